import { BatchMatMul, backend_util, util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { read } from '../wasm-kernels/channel-ops.ts';
import { replacing, wasmKernel } from '../wasm-kernels/kernel-util.ts';
import type { NativeCpuKernels } from './load-native.ts';

/**
 * BatchMatMul on the native addon (oneDNN's sgemm, transposes read in place), in front of the wasm one
 * (`fallback`: this project's transposing wrapper over XNNPACK), which still takes what the native one does
 * not: non-float32 operands and batch dimensions that broadcast other than by a batch of 1.
 */
export function nativeBatchMatMulConfig(
  native: NativeCpuKernels,
  fallback: KernelConfig,
): KernelConfig {
  function batchMatMul(args: {
    inputs: { a: TensorInfo; b: TensorInfo };
    backend: BackendWasm;
    attrs: NamedAttrMap;
  }): TensorInfo {
    const { backend } = args;
    const { a, b } = args.inputs;
    const transposeA = args.attrs['transposeA'] === true;
    const transposeB = args.attrs['transposeB'] === true;
    const outerA = a.shape.slice(0, -2);
    const outerB = b.shape.slice(0, -2);
    const batchA = util.sizeFromShape(outerA);
    const batchB = util.sizeFromShape(outerB);
    const ra = a.shape.length;
    const rb = b.shape.length;
    const m = transposeA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
    const k = transposeA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
    const n = transposeB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
    const kB = transposeB ? b.shape[rb - 1]! : b.shape[rb - 2]!;
    const broadcastsByOne = batchA === batchB || batchA === 1 || batchB === 1;
    if (a.dtype !== 'float32' || b.dtype !== 'float32' || !broadcastsByOne || k !== kB) {
      return fallback.kernelFunc(args as Parameters<KernelFunc>[0]) as TensorInfo;
    }
    const outer = backend_util.assertAndGetBroadcastShape(outerA, outerB);
    const batch = Math.max(batchA, batchB);
    const out = backend.makeOutput([...outer, m, n], 'float32');
    if (batch * m * n === 0) return out;
    if (k === 0) {
      read(backend, out).fill(0);
      return out;
    }
    native.batchMatMul(read(backend, a), read(backend, b), read(backend, out), [
      batch,
      batchA,
      batchB,
      m,
      n,
      k,
      transposeA ? 1 : 0,
      transposeB ? 1 : 0,
    ]);
    return out;
  }
  const config = wasmKernel(BatchMatMul, replacing(batchMatMul as unknown as KernelFunc, fallback));
  // The stock kernel's setup (its cwrap) must still run when a wasm backend initialises: the fallback uses it.
  if (fallback.setupFunc !== undefined) config.setupFunc = fallback.setupFunc;
  if (fallback.disposeFunc !== undefined) config.disposeFunc = fallback.disposeFunc;
  return config;
}
