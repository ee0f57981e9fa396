/**
 * Slice and SplitV for the wasm backend, copying straight between views of the wasm heap. Why: the stock
 * kernels (tfjs-backend-wasm 4.22) start every Slice with `readSync`, a copy of the whole input out of the heap,
 * and SplitV is one such Slice per output: splitting a [512, 7, 7, 32] gradient in three took 37 ms, and the
 * gradients of `tf.concat` (every FPN level and RoI batch the detector joins) are SplitV. Here each output is
 * one `set` per contiguous run (trailing whole axes merged), so the same split takes well under a millisecond.
 * String tensors go to the stock kernels.
 */
import '@tensorflow/tfjs-backend-wasm'; // registers the stock kernels this module falls back to
import { Slice, SplitV, backend_util, slice_util, util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

import { replacing, sliceOnHeap, stockWasmKernel, wasmKernel } from './kernel-util.ts';

const stockSlice = stockWasmKernel(Slice);
const stockSplitV = stockWasmKernel(SplitV);

const slice: KernelFunc = (args) => {
  const backend = args.backend as BackendWasm;
  const { x } = args.inputs as { x: TensorInfo };
  if (x.dtype === 'string') return stockSlice.kernelFunc(args);
  const attrs = args.attrs as { begin: number | number[]; size: number | number[] };
  const [begin, size] = slice_util.parseSliceParams(x as never, attrs.begin, attrs.size) as [
    number[],
    number[],
  ];
  return sliceOnHeap(backend, x, begin, size);
};

const splitV: KernelFunc = (args) => {
  const backend = args.backend as BackendWasm;
  const { x } = args.inputs as { x: TensorInfo };
  if (x.dtype === 'string') return stockSplitV.kernelFunc(args);
  const attrs = args.attrs as { numOrSizeSplits: number | number[]; axis: number };
  const axis = util.parseAxisParam(attrs.axis, x.shape)[0]!;
  const sizes = backend_util.prepareSplitSize(x as never, attrs.numOrSizeSplits, axis);
  const begin = new Array<number>(x.shape.length).fill(0);
  return sizes.map((s) => {
    const size = [...x.shape];
    size[axis] = s;
    const part = sliceOnHeap(backend, x, [...begin], size);
    begin[axis]! += s;
    return part;
  });
};

/** Slice and SplitV on wasm, replacing the stock ones. */
export const sliceKernelConfigs: KernelConfig[] = [
  wasmKernel(Slice, replacing(slice, stockSlice)),
  wasmKernel(SplitV, replacing(splitV, stockSplitV)),
];
