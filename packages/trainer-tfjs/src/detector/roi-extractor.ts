/**
 * MMDetection's `SingleRoIExtractor`: each RoI is pooled from one FPN level chosen by its scale
 * (`floor(log2(sqrt(w * h) / finest_scale + 1e-6))`, clamped to the levels), with RoIAlign at that level's
 * stride. Rows come out grouped by level then image; `order` maps rows back to RoIs (the targets are permuted
 * in JavaScript instead of gathering the features, which would need a gather gradient).
 */
import * as tf from '@tensorflow/tfjs-core';

import { roiAlign, type RoiAlignConfig } from './roi-align.ts';

/** Extractor settings. */
export interface RoiExtractorConfig extends RoiAlignConfig {
  /** Strides of the levels given to `extractRoiFeatures`, finest first. */
  strides: readonly number[];
  /** 56 in mmdet. */
  finestScale: number;
}

/** The level index of each RoI (`k x 4`). */
export function mapRoiLevels(
  rois: Float32Array,
  numLevels: number,
  finestScale: number,
): Int32Array {
  const k = rois.length >> 2;
  const out = new Int32Array(k);
  for (let i = 0; i < k; i++) {
    const scale = Math.sqrt(
      ((rois[4 * i + 2] as number) - (rois[4 * i] as number)) *
        ((rois[4 * i + 3] as number) - (rois[4 * i + 1] as number)),
    );
    const level = Math.floor(Math.log2(scale / finestScale + 1e-6));
    out[i] = Number.isFinite(level) ? Math.min(Math.max(level, 0), numLevels - 1) : 0;
  }
  return out;
}

/**
 * Pooled features `[R, P, P, C]` of RoIs `rois` (image pixels) with image indices `batchIndex`, from the levels
 * `features` (NHWC, strides `config.strides`).
 */
export function extractRoiFeatures(
  features: readonly tf.Tensor4D[],
  rois: Float32Array,
  batchIndex: Int32Array,
  config: RoiExtractorConfig,
): { pooled: tf.Tensor4D; order: number[] } {
  const levels = mapRoiLevels(rois, config.strides.length, config.finestScale);
  const parts: tf.Tensor4D[] = [];
  const order: number[] = [];
  config.strides.forEach((stride, l) => {
    const members = Array.from(levels.keys()).filter((i) => levels[i] === l);
    if (members.length === 0) return;
    const boxes = new Float32Array(members.length * 4);
    members.forEach((i, j) => {
      boxes.set(rois.subarray(4 * i, 4 * i + 4), 4 * j);
    });
    const images = Int32Array.from(members, (i) => batchIndex[i] as number);
    const r = roiAlign(features[l] as tf.Tensor4D, boxes, images, 1 / stride, config);
    parts.push(r.pooled);
    order.push(...r.order.map((j) => members[j] as number));
  });
  const p = config.outputSize;
  const channels = (features[0] as tf.Tensor4D).shape[3];
  if (parts.length === 0) return { pooled: tf.zeros([0, p, p, channels]), order };
  return { pooled: parts.length === 1 ? (parts[0] as tf.Tensor4D) : tf.concat(parts, 0), order };
}
