/**
 * Inference (mmdet's `simple_test` with `rescale=True`): eval-mode features, RPN proposals with the test
 * settings, RoIAlign + box head on every proposal, then per-class NMS and at most `test.maxPerImg` detections
 * per image in original-image pixels.
 */
import * as tf from '@tensorflow/tfjs-core';

import type { DetectorParts } from './detector.ts';
import { extractorConfig, proposalsOf, proposalsOfAsync, pyramidOf } from './detector.ts';
import { concatBoxes } from './boxes.ts';
import { detectionsOf, type Detection, type ImageMeta } from './post-process.ts';
import { extractRoiFeatures } from './roi-extractor.ts';

interface HeadRows {
  order: number[];
  logits: Float32Array;
  deltas: Float32Array;
}

/** Runs the box head on all proposals of the batch: its outputs (none without RoIs), rows in the extractor's order. */
function headOutputs(
  parts: DetectorParts,
  pyramid: tf.Tensor4D[],
  rois: Float32Array,
  batchIndex: Int32Array,
) {
  const extractor = extractorConfig(parts.config);
  const { pooled, order } = extractRoiFeatures(
    pyramid.slice(0, extractor.strides.length),
    rois,
    batchIndex,
    extractor,
  );
  return { order, out: order.length === 0 ? undefined : parts.bboxHead.forward(pooled) };
}

/** `headOutputs` read synchronously. */
function headRows(
  parts: DetectorParts,
  pyramid: tf.Tensor4D[],
  rois: Float32Array,
  batchIndex: Int32Array,
): HeadRows {
  const { order, out } = headOutputs(parts, pyramid, rois, batchIndex);
  if (out === undefined) return { order, logits: new Float32Array(0), deltas: new Float32Array(0) };
  return {
    order,
    logits: out.cls.dataSync() as Float32Array,
    deltas: out.reg.dataSync() as Float32Array,
  };
}

/** Per-image detections from the head rows. */
function detectionsOfRows(
  parts: DetectorParts,
  rows: HeadRows,
  rois: Float32Array,
  batchIndex: Int32Array,
  metas: readonly ImageMeta[],
): Detection[][] {
  const { config } = parts;
  return metas.map((meta, b) => {
    const r = rowsOfImage(rows, rois, batchIndex, b, config.numClasses);
    return detectionsOf(r.imageRois, r.logits, r.deltas, config.numClasses, meta, config.test);
  });
}

function roisOf(proposals: ReadonlyArray<{ boxes: Float32Array; scores: Float32Array }>) {
  const rois = concatBoxes(proposals.map((p) => p.boxes));
  const batchIndex = Int32Array.from(
    proposals.flatMap((p, b) => Array.from({ length: p.scores.length }, () => b)),
  );
  return { rois, batchIndex };
}

/** One image's RoIs, logits and deltas, picked out of the batch rows. */
function rowsOfImage(
  rows: HeadRows,
  rois: Float32Array,
  batchIndex: Int32Array,
  image: number,
  k: number,
) {
  const mine = rows.order
    .map((src, row) => [src, row] as const)
    .filter(([src]) => batchIndex[src] === image);
  const imageRois = new Float32Array(mine.length * 4);
  const logits = new Float32Array(mine.length * (k + 1));
  const deltas = new Float32Array(mine.length * 4 * k);
  mine.forEach(([src, row], j) => {
    imageRois.set(rois.subarray(4 * src, 4 * src + 4), 4 * j);
    logits.set(rows.logits.subarray(row * (k + 1), (row + 1) * (k + 1)), j * (k + 1));
    deltas.set(rows.deltas.subarray(row * 4 * k, (row + 1) * 4 * k), j * 4 * k);
  });
  return { imageRois, logits, deltas };
}

/** Detections of every image of `images` (NHWC, normalised, padded), described by `metas`; synchronous reads. */
export function predictDetections(
  parts: DetectorParts,
  images: tf.Tensor4D,
  metas: readonly ImageMeta[],
): Detection[][] {
  if (metas.length !== images.shape[0])
    throw new Error(`predict: ${images.shape[0]} images but ${metas.length} metas`);
  const { config } = parts;
  let detections: Detection[][] = [];
  tf.tidy(() => {
    const pyramid = pyramidOf(parts, images, false);
    const out = parts.rpnHead.forward(pyramid);
    const proposals = proposalsOf(
      out,
      parts.anchors(out.sizes),
      metas.map((m) => m.imgShape),
      config.rpn.test,
    );
    const { rois, batchIndex } = roisOf(proposals);
    detections = detectionsOfRows(
      parts,
      headRows(parts, pyramid, rois, batchIndex),
      rois,
      batchIndex,
      metas,
    );
  });
  return detections;
}

/** As `predictDetections`, reading asynchronously (every backend, webgpu included). */
export async function predictDetectionsAsync(
  parts: DetectorParts,
  images: tf.Tensor4D,
  metas: readonly ImageMeta[],
): Promise<Detection[][]> {
  if (metas.length !== images.shape[0])
    throw new Error(`predict: ${images.shape[0]} images but ${metas.length} metas`);
  const { config } = parts;
  const held: tf.Tensor[] = [];
  try {
    let sizes: Array<[number, number]> = [];
    const [pyramid, cls, reg] = tf.tidy(() => {
      const p = pyramidOf(parts, images, false);
      const out = parts.rpnHead.forward(p);
      sizes = out.sizes;
      return [p, out.cls, out.reg] as const;
    });
    held.push(...pyramid, cls, reg);
    const proposals = await proposalsOfAsync(
      { cls, reg, sizes },
      parts.anchors(sizes),
      metas.map((m) => m.imgShape),
      config.rpn.test,
    );
    const { rois, batchIndex } = roisOf(proposals);
    let order: number[] = [];
    const head = tf.tidy(() => {
      const h = headOutputs(parts, pyramid, rois, batchIndex);
      order = h.order;
      return h.out === undefined ? [] : [h.out.cls, h.out.reg];
    });
    held.push(...head);
    const [logits, deltas] =
      head.length === 0
        ? [new Float32Array(0), new Float32Array(0)]
        : ((await Promise.all(head.map((t) => t.data()))) as Float32Array[]);
    return detectionsOfRows(
      parts,
      { order, logits: logits!, deltas: deltas! },
      rois,
      batchIndex,
      metas,
    );
  } finally {
    tf.dispose(held);
  }
}
