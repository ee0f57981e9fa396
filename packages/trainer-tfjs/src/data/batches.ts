/**
 * The batch iterator: shuffles (seeded), decodes, resizes keeping the aspect ratio, flips with probability
 * `flipProb` (seeded), normalises and pads each batch to a common multiple of 32. Pure data: typed arrays only,
 * the model side turns them into tensors.
 */
import type { CocoImage } from '@sweeps/coco-eval';
import { readImage, type CocoDataset } from './load.ts';
import { resizeBilinear } from './resize.ts';
import { createRng, mixSeed, shuffle } from './rng.ts';
import {
  flipBoxes,
  padTo,
  rescaleSize,
  scaleBoxes,
  writeNormalized,
  type ResizedSize,
} from './transforms.ts';

/** Iteration options. Training: `shuffle: true, flipProb: 0.5`; evaluation: the defaults. */
export interface BatchOptions {
  batchSize: number;
  /** Longer side after resizing; default 128. */
  scale?: number;
  /** Pad height and width to a multiple of this; default 32. */
  padDivisor?: number;
  /** Probability of a horizontal flip per image; default 0. */
  flipProb?: number;
  /** Shuffle the image order; default false. */
  shuffle?: boolean;
  /** With `epoch`, seeds shuffling and flips; default 0. */
  seed?: number;
  epoch?: number;
}

/** One batch. Boxes are `[x1, y1, x2, y2]` in resized (and, where flipped, mirrored) pixels. */
export interface DetectionBatch {
  /** `n x padH x padW x 3`, normalised with ImageNet mean/std, zero padded right and bottom. */
  images: Float32Array;
  shape: [number, number, number, number];
  /** Per image, `k x 4` boxes (crowd annotations left out). */
  boxes: Float32Array[];
  /** Per image, `k` labels: category indices (see `CocoDataset.categories`). */
  labels: Int32Array[];
  imageIds: number[];
  /** Per image, `[scaleX, scaleY]`: resized / original (divide boxes by them to map back). */
  scaleFactors: Array<[number, number]>;
  /** Per image, `[height, width]` after resizing, before padding. */
  imgShapes: Array<[number, number]>;
  /** `[padH, padW]` shared by the batch. */
  padShape: [number, number];
  flipped: boolean[];
}

/** Number of batches one epoch yields (the last one may be short). */
export function countBatches(dataset: CocoDataset, options: BatchOptions): number {
  return Math.ceil(dataset.images.length / options.batchSize);
}

/** Yields one epoch of batches; same dataset, options, seed and epoch give identical batches. */
export function* iterateBatches(
  dataset: CocoDataset,
  options: BatchOptions,
): Generator<DetectionBatch> {
  const { batchSize, scale = 128, padDivisor = 32, flipProb = 0 } = options;
  if (!(Number.isInteger(batchSize) && batchSize > 0))
    throw new RangeError('batchSize must be a positive integer');
  const rng = createRng(mixSeed(options.seed ?? 0, options.epoch ?? 0));
  const order = options.shuffle ? shuffle(rng, [...dataset.images]) : dataset.images;
  for (let start = 0; start < order.length; start += batchSize) {
    const items = order
      .slice(start, start + batchSize)
      .map((image) => prepare(dataset, image, scale, rng() < flipProb));
    yield collate(items, padDivisor);
  }
}

interface Prepared {
  image: CocoImage;
  size: ResizedSize;
  pixels: Float32Array;
  boxes: Float32Array;
  labels: Int32Array;
  flip: boolean;
}

function prepare(dataset: CocoDataset, image: CocoImage, scale: number, flip: boolean): Prepared {
  const rgb = readImage(dataset, image);
  const size = rescaleSize(rgb.width, rgb.height, scale);
  const pixels = resizeBilinear(rgb.data, rgb.width, rgb.height, 3, size.width, size.height);
  const annotations = (dataset.annotationsOf.get(image.id) ?? []).filter((a) => a.iscrowd === 0);
  const boxes = scaleBoxes(annotations, size);
  if (flip) flipBoxes(boxes, size.width);
  const labels = Int32Array.from(annotations, (a) => dataset.labelOf.get(a.category_id)!);
  return { image, size, pixels, boxes, labels, flip };
}

function collate(items: Prepared[], padDivisor: number): DetectionBatch {
  const padH = padTo(Math.max(...items.map((p) => p.size.height)), padDivisor);
  const padW = padTo(Math.max(...items.map((p) => p.size.width)), padDivisor);
  const images = new Float32Array(items.length * padH * padW * 3);
  items.forEach((p, n) => {
    writeNormalized(p.pixels, p.size, p.flip, images, n * padH * padW * 3, padW);
  });
  return {
    images,
    shape: [items.length, padH, padW, 3],
    boxes: items.map((p) => p.boxes),
    labels: items.map((p) => p.labels),
    imageIds: items.map((p) => p.image.id),
    scaleFactors: items.map((p) => [p.size.scaleX, p.size.scaleY]),
    imgShapes: items.map((p) => [p.size.height, p.size.width]),
    padShape: [padH, padW],
    flipped: items.map((p) => p.flip),
  };
}
