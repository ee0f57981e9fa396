import * as tf from '@tensorflow/tfjs-core';
import type { SgdRule } from './rules.ts';

/**
 * Fused optimizer updates: one kernel call per parameter instead of a dozen tf ops, used where the active
 * backend registers them (the WebGPU backend: src/backend/webgpu-kernels/optimizer-kernels.ts), where a
 * training step is bound by the per-dispatch cost. Elsewhere `rules.ts` composes tf ops as before (on wasm a
 * fused JavaScript loop over the heap, float32-rounded per op, was tried: 27 ms a demo step against 22 ms for
 * XNNPACK's ops, so it was not kept).
 */
export const ADAMW_UPDATE_KERNEL = 'SweepsAdamWUpdate';
export const SGD_UPDATE_KERNEL = 'SweepsSgdUpdate';

/** AdamW's scalars for one parameter and step (see `adamwUpdate` in rules.ts for their meaning). */
export interface AdamWKernelAttrs {
  /** 1 - lr * weight decay, or 1 without weight decay. */
  decay: number;
  beta1: number;
  beta2: number;
  /** lr / (1 - beta1^step). */
  stepSize: number;
  /** sqrt(1 - beta2^step). */
  bc2Sqrt: number;
  eps: number;
}

/** SGD-with-momentum's scalars for one parameter: its rule (see `sgdUpdate` in rules.ts) and whether it is its first step. */
export type SgdKernelAttrs = SgdRule & {
  /** True on the parameter's first step: the momentum buffer starts as a copy of the gradient. */
  firstStep: boolean;
};

/** True when the active backend has a fused kernel `name`. */
export function hasFusedUpdate(name: string): boolean {
  return tf.getKernel(name, tf.getBackend()) !== undefined;
}

/** Runs a fused update kernel; returns its outputs in the kernel's order (new parameter first). */
export function runFusedUpdate(
  name: string,
  inputs: Record<string, tf.Tensor>,
  attrs: AdamWKernelAttrs | SgdKernelAttrs,
): tf.Tensor[] {
  return tf
    .engine()
    .runKernel(
      name,
      inputs as tf.NamedTensorMap,
      attrs as unknown as tf.NamedAttrMap,
    ) as tf.Tensor[];
}
