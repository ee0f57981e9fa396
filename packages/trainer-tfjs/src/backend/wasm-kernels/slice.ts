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

import { replacing, stockWasmKernel } from './kernel-util.ts';

type Numeric = Float32Array | Int32Array | Uint8Array;

/**
 * Copies the block `begin`/`size` of a row-major array of shape `shape` into `dst` (packed). Trailing axes taken
 * whole merge with the last partial axis into one contiguous run; the axes before it are walked by an odometer.
 */
export function copyBlock(src: Numeric, shape: readonly number[], begin: readonly number[], size: readonly number[], dst: Numeric): void {
  const rank = shape.length;
  if (util.sizeFromShape(size as number[]) === 0) return;
  let axis = rank - 1;
  let inner = 1;
  while (axis >= 0 && begin[axis] === 0 && size[axis] === shape[axis]) inner *= shape[axis--]!;
  if (axis < 0) {
    dst.set(src.subarray(0, inner));
    return;
  }
  const strides = [...util.computeStrides(shape as number[]), 1];
  const run = size[axis]! * inner;
  const index = new Array<number>(axis).fill(0);
  let out = 0;
  for (;;) {
    let offset = begin[axis]! * strides[axis]!;
    for (let i = 0; i < axis; i++) offset += (begin[i]! + index[i]!) * strides[i]!;
    dst.set(src.subarray(offset, offset + run), out);
    out += run;
    let i = axis - 1;
    while (i >= 0 && ++index[i]! === size[i]) index[i--] = 0;
    if (i < 0) return;
  }
}

function sliceOnHeap(backend: BackendWasm, x: TensorInfo, begin: number[], size: number[]): TensorInfo {
  const out = backend.makeOutput(size, x.dtype);
  // Views are taken after makeOutput: an allocation can grow (and detach) the wasm memory.
  copyBlock(backend.typedArrayFromHeap(x) as Numeric, x.shape, begin, size, backend.typedArrayFromHeap(out) as Numeric);
  return out;
}

const stockSlice = stockWasmKernel(Slice);
const stockSplitV = stockWasmKernel(SplitV);

const slice: KernelFunc = (args) => {
  const backend = args.backend as BackendWasm;
  const { x } = args.inputs as { x: TensorInfo };
  if (x.dtype === 'string') return stockSlice.kernelFunc(args);
  const attrs = args.attrs as { begin: number | number[]; size: number | number[] };
  const [begin, size] = slice_util.parseSliceParams(x as never, attrs.begin, attrs.size) as [number[], number[]];
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
  { kernelName: Slice, backendName: 'wasm', kernelFunc: replacing(slice, stockSlice) },
  { kernelName: SplitV, backendName: 'wasm', kernelFunc: replacing(splitV, stockSplitV) },
];
