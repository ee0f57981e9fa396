import * as tf from '@tensorflow/tfjs-core';

import {
  ADAMW_UPDATE_KERNEL,
  SGD_UPDATE_KERNEL,
  hasFusedUpdate,
  runFusedUpdate,
} from './fused-update.ts';

/** One parameter's update: new value and new state tensors (the caller keeps them and frees the old ones). */
export type UpdateResult = {
  param: tf.Tensor;
  state: Record<string, tf.Tensor>;
};

/** SGD hyper-parameters for one parameter (its own weight decay). */
export interface SgdRule {
  lr: number;
  weightDecay: number;
  momentum: number;
  dampening: number;
  nesterov: boolean;
}

/**
 * One `torch.optim.SGD` step (`_single_tensor_sgd`, torch 1.13): d = g + wd * p; with momentum the buffer starts
 * as a copy of d and then becomes momentum * buf + (1 - dampening) * d; Nesterov uses d + momentum * buf;
 * p -= lr * d. Call inside `tf.tidy`.
 */
export function sgdUpdate(
  p: tf.Tensor,
  g: tf.Tensor,
  state: Record<string, tf.Tensor>,
  r: SgdRule,
): UpdateResult {
  if (r.momentum !== 0 && hasFusedUpdate(SGD_UPDATE_KERNEL)) {
    const prev = state.momentum_buffer;
    const [param, buf] = runFusedUpdate(
      SGD_UPDATE_KERNEL,
      { p, g, b: prev ?? g },
      { ...r, firstStep: prev === undefined },
    ) as [tf.Tensor, tf.Tensor];
    return { param, state: { momentum_buffer: buf } };
  }
  let d = r.weightDecay !== 0 ? tf.add(g, tf.mul(p, r.weightDecay)) : g;
  const next: Record<string, tf.Tensor> = {};
  if (r.momentum !== 0) {
    const prev = state.momentum_buffer;
    const buf =
      prev === undefined
        ? tf.clone(d)
        : tf.add(tf.mul(prev, r.momentum), r.dampening === 0 ? d : tf.mul(d, 1 - r.dampening));
    next.momentum_buffer = buf;
    d = r.nesterov ? tf.add(d, tf.mul(buf, r.momentum)) : buf;
  }
  return { param: tf.sub(p, tf.mul(d, r.lr)), state: next };
}

/** AdamW hyper-parameters for one parameter (its own weight decay). */
export interface AdamWRule {
  lr: number;
  weightDecay: number;
  beta1: number;
  beta2: number;
  eps: number;
}

/**
 * One `torch.optim.AdamW` step (`_single_tensor_adamw`, torch 1.13, amsgrad off), `step` being this
 * parameter's step count including this one: p *= 1 - lr * wd; m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g²;
 * denom = sqrt(v) / sqrt(1 - b2^step) + eps; p += (-lr / (1 - b1^step)) * m / denom.
 * The operand order follows torch's kernels (addcmul: (value * g) * g, addcdiv: (value * m) / denom) so that
 * float32 results agree to the last bits where possible. Where the backend has the fused kernel (WebGPU) the
 * same arithmetic runs as one kernel call (fused-update.ts). Call inside `tf.tidy`.
 */
export function adamwUpdate(
  p: tf.Tensor,
  g: tf.Tensor,
  state: Record<string, tf.Tensor>,
  r: AdamWRule,
  step: number,
): UpdateResult {
  const decay = r.weightDecay !== 0 ? 1 - r.lr * r.weightDecay : 1;
  const m0 = state.exp_avg ?? tf.zerosLike(p);
  const v0 = state.exp_avg_sq ?? tf.zerosLike(p);
  const stepSize = r.lr / (1 - r.beta1 ** step);
  const bc2Sqrt = Math.sqrt(1 - r.beta2 ** step);
  if (hasFusedUpdate(ADAMW_UPDATE_KERNEL)) {
    const [param, m, v] = runFusedUpdate(
      ADAMW_UPDATE_KERNEL,
      { p, g, m: m0, v: v0 },
      { decay, beta1: r.beta1, beta2: r.beta2, stepSize, bc2Sqrt, eps: r.eps },
    ) as [tf.Tensor, tf.Tensor, tf.Tensor];
    return { param, state: { exp_avg: m, exp_avg_sq: v } };
  }
  const decayed = r.weightDecay !== 0 ? tf.mul(p, decay) : p;
  const m = tf.add(tf.mul(m0, r.beta1), tf.mul(g, 1 - r.beta1));
  const v = tf.add(tf.mul(v0, r.beta2), tf.mul(tf.mul(g, 1 - r.beta2), g));
  const denom = tf.add(tf.div(tf.sqrt(v), bc2Sqrt), r.eps);
  const param = tf.add(decayed, tf.div(tf.mul(m, -stepSize), denom));
  return { param, state: { exp_avg: m, exp_avg_sq: v } };
}
