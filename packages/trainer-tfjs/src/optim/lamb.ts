/**
 * LAMB (You et al. 2019, "Large Batch Optimization for Deep Learning") in the formulation of timm's `Lamb`, the
 * optimizer of the rsb-A1 recipe: the gradients are first divided by max(1, ||g||_global / max_grad_norm); then
 * per parameter, Adam's moments with bias correction give r = m_hat / (sqrt(v_hat) + eps); the update is
 * u = r + wd * p, scaled by the trust ratio ||p|| / ||u|| (1 where either norm is 0, at most 1 with
 * `trustClip`), applied only where wd != 0 unless `alwaysAdapt`; p -= lr * u.
 */
import * as tf from '@tensorflow/tfjs-core';

import type { UpdateResult } from './rules.ts';

/** LAMB hyper-parameters for one parameter (its own weight decay). */
export interface LambRule {
  lr: number;
  weightDecay: number;
  beta1: number;
  beta2: number;
  eps: number;
  trustClip: boolean;
  alwaysAdapt: boolean;
}

/**
 * The factor every gradient is divided by before a LAMB step: max(1, total 2-norm / maxNorm), a scalar tensor
 * (no read-back). Call inside `tf.tidy`.
 */
export function lambGradDivisor(grads: readonly tf.Tensor[], maxNorm: number): tf.Scalar {
  if (grads.length === 0) return tf.scalar(1);
  const norms = grads.map((g) => tf.sqrt(tf.sum(tf.square(g))));
  const total = tf.sqrt(tf.sum(tf.square(tf.stack(norms))));
  return tf.maximum(tf.div(total, maxNorm), 1) as tf.Scalar;
}

/** One LAMB step of one parameter, `step` counting this one (1 on the first). Call inside `tf.tidy`. */
export function lambUpdate(
  p: tf.Tensor,
  g: tf.Tensor,
  state: Record<string, tf.Tensor>,
  r: LambRule,
  step: number,
): UpdateResult {
  const m0 = state.exp_avg ?? tf.zerosLike(p);
  const v0 = state.exp_avg_sq ?? tf.zerosLike(p);
  const m = tf.add(tf.mul(m0, r.beta1), tf.mul(g, 1 - r.beta1));
  const v = tf.add(tf.mul(v0, r.beta2), tf.mul(tf.mul(g, g), 1 - r.beta2));
  const denom = tf.add(tf.div(tf.sqrt(v), Math.sqrt(1 - r.beta2 ** step)), r.eps);
  let update = tf.div(tf.div(m, 1 - r.beta1 ** step), denom);
  if (r.weightDecay !== 0) update = tf.add(update, tf.mul(p, r.weightDecay));
  if (r.weightDecay !== 0 || r.alwaysAdapt)
    update = tf.mul(update, trustRatio(p, update, r.trustClip));
  return { param: tf.sub(p, tf.mul(update, r.lr)), state: { exp_avg: m, exp_avg_sq: v } };
}

/** ||p|| / ||u||, 1 where either norm is 0; clipped at 1 when `clip`. */
function trustRatio(p: tf.Tensor, u: tf.Tensor, clip: boolean): tf.Tensor {
  const wNorm = tf.sqrt(tf.sum(tf.square(p)));
  const uNorm = tf.sqrt(tf.sum(tf.square(u)));
  const one = tf.onesLike(wNorm);
  const bothPositive = tf.logicalAnd(tf.greater(wNorm, 0), tf.greater(uNorm, 0));
  const ratio = tf.where(bothPositive, tf.div(wNorm, tf.maximum(uNorm, 1e-30)), one);
  return clip ? tf.minimum(ratio, 1) : ratio;
}
