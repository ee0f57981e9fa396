import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { channelSums, combine, read, vectorOf, wideOf, wideShape } from './channel-ops.ts';
import { disposeInfos, reshapeInfo, runWasm, wasmKernel } from './kernel-util.ts';

/** y = x * scale + shift per channel (last axis): inputs x, scale [C], shift [C]. */
export const ChannelAffineKernel = 'SweepsChannelAffine';
/** Its gradient: inputs dy, x, scale; outputs dx = dy * scale, dScale = sum(dy * x), dShift = sum(dy). */
export const ChannelAffineGradKernel = 'SweepsChannelAffineGrad';

function channelAffine(args: {
  inputs: Record<string, TensorInfo>;
  backend: BackendWasm;
}): TensorInfo {
  const { backend } = args;
  const { x, scale, shift } = args.inputs as Record<'x' | 'scale' | 'shift', TensorInfo>;
  const w = wideOf(x.shape);
  const x2 = reshapeInfo(backend, x, wideShape(w));
  const y2 = combine(backend, w, x2, read(backend, scale).slice(), read(backend, shift).slice());
  const y = reshapeInfo(backend, y2, x.shape);
  disposeInfos(backend, x2, y2);
  return y;
}

function channelAffineGrad(args: {
  inputs: Record<string, TensorInfo>;
  backend: BackendWasm;
}): TensorInfo[] {
  const { backend } = args;
  const { dy, x, scale } = args.inputs as Record<'dy' | 'x' | 'scale', TensorInfo>;
  const w = wideOf(x.shape);
  const dy2 = reshapeInfo(backend, dy, wideShape(w));
  const x2 = reshapeInfo(backend, x, wideShape(w));
  const dx2 = combine(backend, w, dy2, read(backend, scale).slice(), new Float32Array(w.channels));
  const product = runWasm(backend, 'Multiply', { a: dy2, b: x2 });
  const dScale = Float32Array.from(channelSums(backend, product, w));
  const dShift = Float32Array.from(channelSums(backend, dy2, w));
  const outs = [
    reshapeInfo(backend, dx2, x.shape),
    vectorOf(backend, dScale),
    vectorOf(backend, dShift),
  ];
  disposeInfos(backend, dy2, x2, dx2, product);
  return outs;
}

/** The fused per-channel affine kernels on wasm; `batchNormInference` uses them when present. */
export const channelAffineKernelConfigs: KernelConfig[] = [
  wasmKernel(ChannelAffineKernel, channelAffine),
  wasmKernel(ChannelAffineGradKernel, channelAffineGrad),
];
