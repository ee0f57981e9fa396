import {
  BatchMatMul,
  Conv2D,
  Conv2DBackpropFilter,
  Conv2DBackpropInput,
  getKernel,
  registerKernel,
  unregisterKernel,
} from '@tensorflow/tfjs-core';
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { ADAMW_UPDATE_KERNEL, SGD_UPDATE_KERNEL } from '../../optim/fused-update.ts';
import { BatchNormGradKernel, BatchNormTrainKernel } from '../wasm-kernels/batch-norm-kernels.ts';
import { wasmTrainingKernels } from '../wasm-kernels/index.ts';
import { replacing, stockWasmKernel } from '../wasm-kernels/kernel-util.ts';
import type { NativeCpuKernels } from './load-native.ts';
import { nativeBatchNormKernelConfigs } from './native-batch-norm-kernels.ts';
import { nativeConvKernelConfigs } from './native-conv-kernels.ts';
import { nativeBatchMatMulConfig } from './native-matmul-kernel.ts';
import { nativeOptimizerKernelConfigs } from './native-optimizer-kernels.ts';

/** This project's wasm kernels that the native ones stand in for (XNNPACK's Conv2D is the other one). */
const NATIVE_OVER_WASM: readonly string[] = [
  Conv2DBackpropInput,
  Conv2DBackpropFilter,
  BatchNormTrainKernel,
  BatchNormGradKernel,
  BatchMatMul,
];

/** Kernels only the native addon gives wasm: the trainer's fused optimizer updates (else its tf ops run). */
const NATIVE_ONLY: readonly string[] = [ADAMW_UPDATE_KERNEL, SGD_UPDATE_KERNEL];

/** The kernel functions `useNativeKernels` last registered. */
let registeredFuncs: unknown[] = [];

function replaceKernel(config: KernelConfig): void {
  if (getKernel(config.kernelName, 'wasm') !== undefined)
    unregisterKernel(config.kernelName, 'wasm');
  registerKernel(config);
}

/**
 * Puts the native kernels in front of the wasm backend's (replacing XNNPACK's Conv2D and this project's
 * convolution gradients, training batch norm and BatchMatMul, and adding the fused optimizer updates), or, given `null`, puts the wasm ones back. Call after
 * `registerWasmTrainingKernels`.
 */
export function useNativeKernels(native: NativeCpuKernels | null): void {
  if (native === null) {
    replaceKernel(stockWasmKernel(Conv2D));
    registeredFuncs = [];
    for (const config of wasmTrainingKernels) {
      if (NATIVE_OVER_WASM.includes(config.kernelName)) replaceKernel(config);
    }
    for (const name of NATIVE_ONLY) {
      if (getKernel(name, 'wasm') !== undefined) unregisterKernel(name, 'wasm');
    }
    return;
  }
  const stockConv = stockWasmKernel(Conv2D);
  const wasmMatMul = wasmTrainingKernels.find((c) => c.kernelName === BatchMatMul)!;
  const configs = [
    ...nativeConvKernelConfigs(native),
    ...nativeBatchNormKernelConfigs(native),
    nativeBatchMatMulConfig(native, wasmMatMul),
    ...nativeOptimizerKernelConfigs(native),
  ].map((config) =>
    config.kernelName === Conv2D
      ? { ...config, kernelFunc: replacing(config.kernelFunc, stockConv) }
      : config,
  );
  registeredFuncs = configs.map((c) => c.kernelFunc);
  for (const config of configs) replaceKernel(config);
}

/** Whether the kernel now registered under `kernelName` on wasm is a native one. */
export function isNativeKernelRegistered(kernelName: string): boolean {
  const current = getKernel(kernelName, 'wasm');
  return current !== undefined && registeredFuncs.includes(current.kernelFunc);
}
