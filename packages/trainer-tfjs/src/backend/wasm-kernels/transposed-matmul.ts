/**
 * BatchMatMul and _FusedMatMul with `transposeA` / `transposeB` for the wasm backend. Why: tfjs-backend-wasm
 * 4.22 hands a matMul to XNNPACK only when neither operand is transposed and both have batch size 1; any
 * transpose falls to a generic blocked loop, measured ~13x slower than an explicit transpose followed by the
 * XNNPACK path (53 ms vs 4 ms for a [1568 x 256]ᵀ x [1568 x 128] weight gradient). tfjs' MatMul gradient
 * always uses the transposed forms, so every linear layer's backward pass hit the slow loop. These wrappers
 * transpose the flagged operand with the wasm Transpose kernel and call the stock kernel untransposed.
 * Batched products (batch > 1) take the generic loop either way and are passed through unchanged.
 */
import '@tensorflow/tfjs-backend-wasm'; // registers the stock kernels wrapped here
import { BatchMatMul, _FusedMatMul, util } from '@tensorflow/tfjs-core';
import type {
  KernelConfig,
  KernelFunc,
  NamedAttrMap,
  NamedTensorInfoMap,
  TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

import { disposeInfos, replacing, runWasm, stockWasmKernel, wasmKernel } from './kernel-util.ts';

function batchSize(shape: readonly number[]): number {
  return util.sizeFromShape(shape.slice(0, -2));
}

function transposeLast2(backend: BackendWasm, x: TensorInfo): TensorInfo {
  const perm = x.shape.map((_, i) => i);
  const r = perm.length;
  [perm[r - 2], perm[r - 1]] = [perm[r - 1]!, perm[r - 2]!];
  return runWasm(backend, 'Transpose', { x }, { perm });
}

function wrap(kernelName: string): KernelConfig {
  const stock = stockWasmKernel(kernelName);
  const kernelFunc: KernelFunc = (args) => {
    const attrs = args.attrs as NamedAttrMap & { transposeA?: boolean; transposeB?: boolean };
    const { a, b } = args.inputs as NamedTensorInfoMap & { a: TensorInfo; b: TensorInfo };
    const batched = batchSize(a.shape) !== 1 || batchSize(b.shape) !== 1;
    if ((attrs.transposeA !== true && attrs.transposeB !== true) || batched)
      return stock.kernelFunc(args);
    const backend = args.backend as BackendWasm;
    const made: TensorInfo[] = [];
    const plain = (x: TensorInfo, flag: boolean | undefined): TensorInfo => {
      if (flag !== true) return x;
      const t = transposeLast2(backend, x);
      made.push(t);
      return t;
    };
    try {
      return stock.kernelFunc({
        ...args,
        inputs: { ...args.inputs, a: plain(a, attrs.transposeA), b: plain(b, attrs.transposeB) },
        attrs: { ...attrs, transposeA: false, transposeB: false },
      });
    } finally {
      disposeInfos(backend, ...made);
    }
  };
  const config = wasmKernel(kernelName, replacing(kernelFunc, stock));
  // The stock setup (its cwrap of the C++ function) must still run when the backend initialises.
  if (stock.setupFunc !== undefined) config.setupFunc = stock.setupFunc;
  if (stock.disposeFunc !== undefined) config.disposeFunc = stock.disposeFunc;
  return config;
}

/** BatchMatMul and _FusedMatMul wrappers, in front of the stock wasm kernels. */
export const transposedMatMulConfigs: readonly KernelConfig[] = [
  wrap(BatchMatMul),
  wrap(_FusedMatMul),
];
