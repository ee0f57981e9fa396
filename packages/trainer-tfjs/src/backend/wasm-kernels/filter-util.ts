import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/**
 * The filter of the convolution that computes a conv2d input gradient: taps `rowTaps` x `colTaps` of
 * `filter` [kh, kw, ci, co], in reverse order (the flip), with in/out channels swapped: out[a, b, o, i]
 * = filter[rowTaps[last - a], colTaps[last - b], i, o]. One pass in JS: the wasm backend's Reverse is
 * a slow per-element loop (5 ms for a 3x3x128x128 filter).
 */
export function flippedSwappedTaps(
  backend: BackendWasm,
  filter: TensorInfo,
  rowTaps: readonly number[],
  colTaps: readonly number[],
): TensorInfo {
  const [, kw, ci, co] = filter.shape as [number, number, number, number];
  const out = backend.makeOutput([rowTaps.length, colTaps.length, co, ci], 'float32');
  const src = backend.typedArrayFromHeap(filter) as Float32Array;
  const dst = backend.typedArrayFromHeap(out) as Float32Array;
  const block = ci * co;
  let offset = 0;
  for (let a = rowTaps.length - 1; a >= 0; a--) {
    for (let b = colTaps.length - 1; b >= 0; b--) {
      transposeBlock(src, (rowTaps[a]! * kw + colTaps[b]!) * block, ci, co, dst, offset);
      offset += block;
    }
  }
  return out;
}

/** dst[offset + o*rows + i] = src[from + i*cols + o] for a rows x cols block. */
function transposeBlock(
  src: Float32Array,
  from: number,
  rows: number,
  cols: number,
  dst: Float32Array,
  offset: number,
): void {
  for (let i = 0; i < rows; i++) {
    const row = from + i * cols;
    for (let o = 0; o < cols; o++) dst[offset + o * rows + i] = src[row + o]!;
  }
}

/** 0, 1, ..., count - 1. */
export function range(count: number, start = 0, step = 1): number[] {
  return Array.from({ length: count }, (_, i) => start + i * step);
}
