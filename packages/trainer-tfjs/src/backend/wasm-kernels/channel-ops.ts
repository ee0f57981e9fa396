import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { disposeInfos, reshapeInfo, runWasm } from './kernel-util.ts';

/*
 * Per-channel arithmetic on [rows, C] tensors for the batch-norm kernels. They chain the wasm
 * backend's own XNNPACK element-wise ops (0.04-0.1 ms on 262k values, ~10x a JavaScript loop over the
 * heap) and average pooling for the per-channel sums (a wasm Sum over outer axes would transpose
 * first), with the per-channel arithmetic in JavaScript. Calling the kernels directly skips the
 * engine's per-op bookkeeping of the same chain written with tf ops.
 *
 * XNNPACK broadcasts a per-channel vector slowly when rows are short (16 channels: 0.3 ms, 8x the
 * same-shape op), so [rows, C] is viewed as [rows / r, r * C] with the vectors tiled r times.
 */

/** The [rows, C] data viewed as [rows / repeat, repeat * C] (repeat a power of two, width <= 256). */
export interface Wide {
  rows: number;
  channels: number;
  repeat: number;
}

/** How to view a channels-last tensor of this shape as wide rows. */
export function wideOf(shape: readonly number[]): Wide {
  const channels = shape[shape.length - 1]!;
  const rows = shape.reduce((a, b) => a * b, 1) / channels;
  let repeat = 1;
  while (repeat * 2 * channels <= 256 && rows % (repeat * 2) === 0) repeat *= 2;
  return { rows, channels, repeat };
}

/** The [rows, width] shape of the wide view. */
export const wideShape = (w: Wide): number[] => [w.rows / w.repeat, w.repeat * w.channels];

/** A per-channel vector, tiled to the wide row. */
export function vectorOf(backend: BackendWasm, values: Float32Array, repeat = 1): TensorInfo {
  const out = backend.makeOutput([values.length * repeat], 'float32');
  const heap = backend.typedArrayFromHeap(out) as Float32Array;
  for (let i = 0; i < repeat; i++) heap.set(values, i * values.length);
  return out;
}

/** A view of a tensor's float32 data on the wasm heap (valid until the next allocation). */
export function read(backend: BackendWasm, info: TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(info) as Float32Array;
}

/**
 * Per-channel sums of a wide tensor, as a JS array: XNNPACK average pooling down the rows (0.03 ms on
 * 262k values; a ones-vector matMul would repack the tensor as weights first), repeats folded.
 */
export function channelSums(backend: BackendWasm, x2: TensorInfo, w: Wide): Float64Array {
  const [rows, width] = wideShape(w) as [number, number];
  const x4 = reshapeInfo(backend, x2, [1, rows, 1, width]);
  const means = runWasm(
    backend,
    'AvgPool',
    { x: x4 },
    { filterSize: [rows, 1], strides: [1, 1], pad: 'valid' },
  );
  const values = read(backend, means);
  const folded = new Float64Array(w.channels);
  for (let i = 0; i < values.length; i++) folded[i % w.channels]! += values[i]! * rows;
  disposeInfos(backend, x4, means);
  return folded;
}

/** y = a * p + b * q + k per channel (q and b optional), on wide tensors. */
export function combine(
  backend: BackendWasm,
  w: Wide,
  p: TensorInfo,
  a: Float32Array,
  k: Float32Array,
  q?: TensorInfo,
  b?: Float32Array,
): TensorInfo {
  const [aInfo, kInfo] = [vectorOf(backend, a, w.repeat), vectorOf(backend, k, w.repeat)];
  const scaled = runWasm(backend, 'Multiply', { a: p, b: aInfo });
  let sum = scaled;
  if (q !== undefined && b !== undefined) {
    const bInfo = vectorOf(backend, b, w.repeat);
    const second = runWasm(backend, 'Multiply', { a: q, b: bInfo });
    sum = runWasm(backend, 'Add', { a: scaled, b: second });
    disposeInfos(backend, bInfo, second, scaled);
  }
  const out = runWasm(backend, 'Add', { a: sum, b: kInfo });
  disposeInfos(backend, aInfo, kInfo, sum);
  return out;
}
