/**
 * The pretraining classification set: object crops rendered with the detection generator's own primitives
 * (cluttered gradient background, distractor strokes, one shape or MNIST digit, tinted to contrast), one object
 * per image, labels balanced. Rendered in memory from a seed, so the `pretrain` job needs no files; the
 * validation split draws MNIST digits from the held-out glyphs, as the detection set's val split does.
 */
import { ALL_CLASSES, renderObject } from '../data/classes.ts';
import { composite, contrastingColor, drawBackground, drawStrokes } from '../data/raster.ts';
import { createRng, mixSeed, randInt, shuffle } from '../data/rng.ts';
import { IMAGENET_MEAN, IMAGENET_STD } from '../data/transforms.ts';
import type { RgbImage } from './rand-augment.ts';

/** A rendered split: `count` RGB images `size x size`, 8-bit, NHWC. */
export interface CropSet {
  size: number;
  classes: readonly string[];
  images: Uint8Array;
  labels: Int32Array;
  count: number;
}

/** Options of {@link renderCropSet}. */
export interface CropSetOptions {
  seed: number;
  count: number;
  /** Side in pixels. Default 64. */
  size?: number;
  /** Class names (see `ALL_CLASSES`). Default every shape and digit (15 classes). */
  classes?: readonly string[];
  split: 'train' | 'val';
}

/** Renders one split; same options give the same bytes. */
export function renderCropSet(o: CropSetOptions): CropSet {
  const size = o.size ?? 64;
  const classes = o.classes ?? ALL_CLASSES;
  if (!(Number.isInteger(size) && size >= 16))
    throw new RangeError(`crop size must be an integer >= 16, got ${size}`);
  if (classes.length < 2) throw new RangeError('a classification set needs at least 2 classes');
  const images = new Uint8Array(o.count * size * size * 3);
  const labels = new Int32Array(o.count);
  const splitTag = o.split === 'train' ? 1 : 2;
  for (let i = 0; i < o.count; i++) {
    const label = i % classes.length;
    const rng = createRng(mixSeed(o.seed, splitTag, i));
    const { image, meanLuma } = drawBackground(rng, size, size);
    drawStrokes(rng, image, randInt(rng, 0, 4), meanLuma);
    const mask = renderObject(
      rng,
      classes[label]!,
      randInt(rng, Math.round(size * 0.4), size - 2),
      o.split,
    );
    const x = randInt(rng, 0, size - mask.width);
    const y = randInt(rng, 0, size - mask.height);
    composite(image, mask, x, y, contrastingColor(rng, meanLuma));
    images.set(image.data, i * size * size * 3);
    labels[i] = label;
  }
  return { size, classes, images, labels, count: o.count };
}

/** One batch for the model: normalised NHWC floats (ImageNet mean/std, as the detection pipeline) and labels. */
export interface CropBatch {
  images: Float32Array;
  shape: [number, number, number, number];
  labels: Int32Array;
}

/** Options of {@link iterateCropBatches}. */
export interface CropBatchOptions {
  batchSize: number;
  shuffle?: boolean;
  /** Horizontal flip probability (the base recipe's flip). Default 0. */
  flipProb?: number;
  seed?: number;
  epoch?: number;
  /** A per-image augmentation of the 8-bit crop (a recipe's RandAugment), drawing from the batch stream. */
  augment?: (image: RgbImage, u: () => number) => RgbImage;
}

/** Yields one epoch of batches; same seed and epoch give the same order and flips. */
export function* iterateCropBatches(set: CropSet, o: CropBatchOptions): Generator<CropBatch> {
  const rng = createRng(mixSeed(o.seed ?? 0, o.epoch ?? 0, 0xc409));
  const order = Array.from({ length: set.count }, (_, i) => i);
  if (o.shuffle) shuffle(rng, order);
  for (let start = 0; start < order.length; start += o.batchSize) {
    const picked = order.slice(start, start + o.batchSize);
    const images = new Float32Array(picked.length * set.size * set.size * 3);
    const pixels = set.size * set.size * 3;
    picked.forEach((index, n) => {
      const flip = rng() < (o.flipProb ?? 0);
      const crop = set.images.subarray(index * pixels, (index + 1) * pixels);
      const image = { data: crop, height: set.size, width: set.size };
      writeCrop(o.augment ? o.augment(image, rng).data : crop, set.size, flip, images, n);
    });
    yield {
      images,
      shape: [picked.length, set.size, set.size, 3],
      labels: Int32Array.from(picked, (index) => set.labels[index]!),
    };
  }
}

function writeCrop(crop: Uint8Array, s: number, flip: boolean, out: Float32Array, n: number): void {
  const dst = n * s * s * 3;
  for (let y = 0; y < s; y++) {
    for (let x = 0; x < s; x++) {
      const from = (y * s + (flip ? s - 1 - x : x)) * 3;
      const to = dst + (y * s + x) * 3;
      for (let c = 0; c < 3; c++)
        out[to + c] = (crop[from + c]! - IMAGENET_MEAN[c]!) / IMAGENET_STD[c]!;
    }
  }
}
