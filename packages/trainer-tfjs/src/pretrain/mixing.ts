/**
 * Mixup and CutMix over a batch, in timm's formulation (both recipes mix a batch with itself reversed):
 * mixup x' = lam x + (1 - lam) x[reversed]; CutMix pastes a box of x[reversed] into x and sets lam to the share
 * of the image left unpasted; the targets become lam y + (1 - lam) y[reversed] (y smoothed one-hot). The
 * sampling (which of the two, and lam ~ Beta(alpha, alpha)) is {@link sampleMixing}; the rest is deterministic.
 */
import * as tf from '@tensorflow/tfjs-core';

import { smoothedOneHot } from './losses.ts';
import { sampleBeta, type Uniform } from './sampling.ts';

/** A CutMix box: rows [y0, y1), columns [x0, x1). */
export interface CutBox {
  y0: number;
  y1: number;
  x0: number;
  x1: number;
}

/** One batch's mixing: none, mixup at `lam`, or CutMix of `box` (lam = unpasted share). */
export type Mixing =
  | { kind: 'none' }
  | { kind: 'mixup'; lam: number }
  | { kind: 'cutmix'; lam: number; box: CutBox };

/** Mixing settings (rsb-A1 and tnr both: mixup alpha 0.2, CutMix alpha 1, half the batches each). */
export interface MixingConfig {
  /** Beta parameter of mixup's lam; 0 turns mixup off. */
  mixupAlpha: number;
  /** Beta parameter of CutMix's lam; 0 turns CutMix off. */
  cutmixAlpha: number;
  /** Share of mixed batches that use CutMix when both are on. Default 0.5. */
  switchProb?: number;
  /** Share of batches mixed at all. Default 1. */
  prob?: number;
}

/**
 * The CutMix box for a drawn `lam` and centre (cy, cx) on an h x w image, as timm's `rand_bbox`: a box of
 * floor(h sqrt(1 - lam)) x floor(w sqrt(1 - lam)) centred there (half sizes floored), clipped to the image;
 * returns the box and the lam it really leaves (1 - box area / image area).
 */
export function cutmixBox(
  h: number,
  w: number,
  lam: number,
  cy: number,
  cx: number,
): { box: CutBox; lam: number } {
  const ratio = Math.sqrt(1 - lam);
  const halfH = Math.floor(Math.floor(h * ratio) / 2);
  const halfW = Math.floor(Math.floor(w * ratio) / 2);
  const clip = (v: number, hi: number) => Math.min(Math.max(v, 0), hi);
  const box = {
    y0: clip(cy - halfH, h),
    y1: clip(cy + halfH, h),
    x0: clip(cx - halfW, w),
    x1: clip(cx + halfW, w),
  };
  return { box, lam: 1 - ((box.y1 - box.y0) * (box.x1 - box.x0)) / (h * w) };
}

/** Draws one batch's mixing for images h x w. */
export function sampleMixing(u: Uniform, c: MixingConfig, h: number, w: number): Mixing {
  const useMixup = c.mixupAlpha > 0;
  const useCutmix = c.cutmixAlpha > 0;
  if ((!useMixup && !useCutmix) || u() >= (c.prob ?? 1)) return { kind: 'none' };
  const cutmix = useCutmix && (!useMixup || u() < (c.switchProb ?? 0.5));
  if (!cutmix) return { kind: 'mixup', lam: sampleBeta(u, c.mixupAlpha, c.mixupAlpha) };
  const drawn = sampleBeta(u, c.cutmixAlpha, c.cutmixAlpha);
  const cy = Math.floor(u() * h);
  const cx = Math.floor(u() * w);
  return { kind: 'cutmix', ...cutmixBox(h, w, drawn, cy, cx) };
}

/** Mixes a batch of NHWC images with itself reversed along the batch. */
export function mixImages(x: tf.Tensor4D, m: Mixing): tf.Tensor4D {
  return tf.tidy(() => {
    if (m.kind === 'none') return tf.clone(x);
    const other = tf.reverse(x, 0);
    if (m.kind === 'mixup')
      return tf.add(tf.mul(x, m.lam), tf.mul(other, 1 - m.lam)) as tf.Tensor4D;
    const [, h, w] = x.shape;
    const { y0, y1, x0, x1 } = m.box;
    const mask = tf.buffer([1, h, w, 1], 'bool');
    for (let y = y0; y < y1; y++) for (let xx = x0; xx < x1; xx++) mask.set(true, 0, y, xx, 0);
    return tf.where(tf.broadcastTo(mask.toTensor(), x.shape), other, x) as tf.Tensor4D;
  });
}

/** The targets of a mixed batch: lam y + (1 - lam) y[reversed], y one-hot smoothed by `smoothing`. */
export function mixTargets(
  labels: Int32Array,
  numClasses: number,
  m: Mixing,
  smoothing = 0,
): tf.Tensor2D {
  return tf.tidy(() => {
    const y = smoothedOneHot(labels, numClasses, smoothing);
    if (m.kind === 'none') return y;
    return tf.add(tf.mul(y, m.lam), tf.mul(tf.reverse(y, 0), 1 - m.lam)) as tf.Tensor2D;
  });
}
