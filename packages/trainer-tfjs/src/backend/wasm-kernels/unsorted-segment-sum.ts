import { UnsortedSegmentSum, util } from '@tensorflow/tfjs-core';
import type { KernelConfig, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { wasmKernel } from './kernel-util.ts';

/**
 * out[segmentIds[i], ...] += x[i, ...], ids outside [0, numSegments) dropped (as TensorFlow does).
 * The gradient of tf.gather uses it. One pass over x on the wasm heap: it is memory-bound, so a typed
 * array loop is as fast as any kernel (the cpu backend's version does one masked sum per segment).
 */
function unsortedSegmentSum(args: {
  inputs: { x: TensorInfo; segmentIds: TensorInfo };
  backend: BackendWasm;
  attrs: NamedAttrMap;
}): TensorInfo {
  const { inputs, backend } = args;
  const { numSegments } = args.attrs as unknown as { numSegments: number };
  const { x, segmentIds } = inputs;
  if (x.dtype !== 'float32' && x.dtype !== 'int32') {
    throw new Error(`UnsortedSegmentSum on wasm supports float32 and int32, got ${x.dtype}`);
  }
  const idRank = segmentIds.shape.length;
  const innerShape = x.shape.slice(idRank);
  const inner = util.sizeFromShape(innerShape);
  const out = backend.makeOutput([numSegments, ...innerShape], x.dtype);
  // Views after makeOutput: an allocation may grow (and detach) the wasm memory.
  const ids = backend.typedArrayFromHeap(segmentIds);
  const values = backend.typedArrayFromHeap(x);
  const sums = backend.typedArrayFromHeap(out);
  sums.fill(0);
  for (let i = 0; i < ids.length; i++) {
    const segment = ids[i]!;
    if (segment < 0 || segment >= numSegments) continue;
    const from = i * inner;
    const to = segment * inner;
    for (let j = 0; j < inner; j++) sums[to + j]! += values[from + j]!;
  }
  return out;
}

/** UnsortedSegmentSum for the wasm backend (which has none). */
export const unsortedSegmentSumConfig: KernelConfig = wasmKernel(
  UnsortedSegmentSum,
  unsortedSegmentSum,
);
