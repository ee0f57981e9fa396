import { getKernel, registerKernel, unregisterKernel } from '@tensorflow/tfjs-core';
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { conv2dBackpropFilterConfig } from './conv2d-backprop-filter.ts';
import { conv2dBackpropInputConfig } from './conv2d-backprop-input.ts';
import {
  depthwiseBackpropFilterConfig,
  depthwiseBackpropInputConfig,
} from './depthwise-backprop.ts';
import { unsortedSegmentSumConfig } from './unsorted-segment-sum.ts';
import { batchNormKernelConfigs } from './batch-norm-kernels.ts';
import { channelAffineKernelConfigs } from './channel-affine-kernels.ts';
import { identityConfig } from './identity.ts';
import { transposedMatMulConfigs } from './transposed-matmul.ts';
import { sliceKernelConfigs } from './slice.ts';
import { sparseBatchMatMulConfig } from './sparse-batch-matmul.ts';

export { sparseLeftBatchMatMul } from './sparse-batch-matmul.ts';
export { batchNormInference, batchNormTrain, type BatchNormTrainResult } from './batch-norm.ts';

/** The kernels this project adds to (or replaces in) tfjs-backend-wasm so that it can train. */
export const wasmTrainingKernels: readonly KernelConfig[] = [
  conv2dBackpropFilterConfig,
  conv2dBackpropInputConfig,
  depthwiseBackpropFilterConfig,
  depthwiseBackpropInputConfig,
  unsortedSegmentSumConfig,
  identityConfig,
  ...batchNormKernelConfigs,
  ...channelAffineKernelConfigs,
  ...transposedMatMulConfigs,
  ...sliceKernelConfigs,
  sparseBatchMatMulConfig,
];

/**
 * Registers the training kernels on the wasm backend, replacing its stock Conv2DBackpropInput and
 * Identity (see identity.ts), Slice and SplitV (see slice.ts), and putting BatchMatMul / _FusedMatMul wrappers in front of the stock ones
 * (see transposed-matmul.ts).
 * Idempotent; safe before or after `tf.setBackend('wasm')` (kernels are looked up per call).
 * @returns the names of the kernels registered by this call (empty when already done).
 */
export function registerWasmTrainingKernels(): string[] {
  const registered: string[] = [];
  for (const config of wasmTrainingKernels) {
    const current = getKernel(config.kernelName, 'wasm');
    if (current?.kernelFunc === config.kernelFunc) continue;
    if (current !== undefined) unregisterKernel(config.kernelName, 'wasm');
    registerKernel(config);
    registered.push(config.kernelName);
  }
  return registered;
}
