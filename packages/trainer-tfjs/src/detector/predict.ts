/**
 * Inference (mmdet's `simple_test` with `rescale=True`): eval-mode features, RPN proposals with the test
 * settings, RoIAlign + box head on every proposal, then per-class NMS and at most `test.maxPerImg` detections
 * per image in original-image pixels.
 */
import * as tf from '@tensorflow/tfjs-core';

import type { DetectorParts } from './detector.ts';
import { extractorConfig, proposalsOf, pyramidOf } from './detector.ts';
import { concatBoxes } from './boxes.ts';
import { detectionsOf, type Detection, type ImageMeta } from './post-process.ts';
import { extractRoiFeatures } from './roi-extractor.ts';

interface HeadRows {
  order: number[];
  logits: Float32Array;
  deltas: Float32Array;
}

/** Runs the box head on all proposals of the batch; rows in the extractor's order. */
function headRows(parts: DetectorParts, pyramid: tf.Tensor4D[], rois: Float32Array, batchIndex: Int32Array): HeadRows {
  const extractor = extractorConfig(parts.config);
  const { pooled, order } = extractRoiFeatures(pyramid.slice(0, extractor.strides.length), rois, batchIndex, extractor);
  if (order.length === 0) return { order, logits: new Float32Array(0), deltas: new Float32Array(0) };
  const out = parts.bboxHead.forward(pooled);
  return { order, logits: out.cls.dataSync() as Float32Array, deltas: out.reg.dataSync() as Float32Array };
}

/** One image's RoIs, logits and deltas, picked out of the batch rows. */
function rowsOfImage(rows: HeadRows, rois: Float32Array, batchIndex: Int32Array, image: number, k: number) {
  const mine = rows.order.map((src, row) => [src, row] as const).filter(([src]) => batchIndex[src] === image);
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

/** Detections of every image of `images` (NHWC, normalised, padded), described by `metas`. */
export function predictDetections(parts: DetectorParts, images: tf.Tensor4D, metas: readonly ImageMeta[]): Detection[][] {
  if (metas.length !== images.shape[0]) throw new Error(`predict: ${images.shape[0]} images but ${metas.length} metas`);
  const { config } = parts;
  let detections: Detection[][] = [];
  tf.tidy(() => {
    const pyramid = pyramidOf(parts, images, false);
    const out = parts.rpnHead.forward(pyramid);
    const proposals = proposalsOf(out, parts.anchors(out.sizes), metas.map((m) => m.imgShape), config.rpn.test);
    const rois = concatBoxes(proposals.map((p) => p.boxes));
    const batchIndex = Int32Array.from(proposals.flatMap((p, b) => Array.from({ length: p.scores.length }, () => b)));
    const rows = headRows(parts, pyramid, rois, batchIndex);
    detections = metas.map((meta, b) => {
      const r = rowsOfImage(rows, rois, batchIndex, b, config.numClasses);
      return detectionsOf(r.imageRois, r.logits, r.deltas, config.numClasses, meta, config.test);
    });
  });
  return detections;
}
