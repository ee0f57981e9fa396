import type { KernelConfig, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { disposeInfos, reshapeInfo, runWasm, wasmKernel } from './kernel-util.ts';
import { channelSums, combine, read, vectorOf, wideOf, wideShape } from './channel-ops.ts';

/**
 * Fused training batch norm: inputs x, gamma, beta; attr epsilon; outputs y, mean, variance (biased),
 * rstd = 1/sqrt(variance + epsilon) and centred = x - mean (kept for the gradient).
 */
export const BatchNormTrainKernel = 'SweepsBatchNormTrain';
/** Its gradient: inputs dy, centred, rstd, gamma; outputs dx, dGamma, dBeta. */
export const BatchNormGradKernel = 'SweepsBatchNormGrad';

function batchNormTrain(args: {
  inputs: Record<string, TensorInfo>;
  backend: BackendWasm;
  attrs: NamedAttrMap;
}): TensorInfo[] {
  const { backend } = args;
  const { x, gamma, beta } = args.inputs as { x: TensorInfo; gamma: TensorInfo; beta: TensorInfo };
  const epsilon = args.attrs['epsilon'] as number;
  const w = wideOf(x.shape);
  const x2 = reshapeInfo(backend, x, wideShape(w));
  const mean = Float32Array.from(channelSums(backend, x2, w), (s) => s / w.rows);
  const meanInfo = vectorOf(backend, mean, w.repeat);
  const centred = runWasm(backend, 'Sub', { a: x2, b: meanInfo });
  const squares = runWasm(backend, 'Multiply', { a: centred, b: centred });
  const variance = Float32Array.from(channelSums(backend, squares, w), (s) => s / w.rows);
  const rstd = variance.map((v) => 1 / Math.sqrt(v + epsilon));
  const g = read(backend, gamma);
  const scale = rstd.map((r, c) => r * g[c]!);
  const y2 = combine(backend, w, centred, scale, read(backend, beta).slice());
  const outs = [
    reshapeInfo(backend, y2, x.shape),
    vectorOf(backend, mean),
    vectorOf(backend, variance),
    vectorOf(backend, rstd),
    reshapeInfo(backend, centred, x.shape),
  ];
  disposeInfos(backend, x2, meanInfo, squares, y2, centred);
  return outs;
}

/**
 * dBeta = sum(dy), dGamma = rstd * sum(dy * centred),
 * dx = dy * gamma*rstd + centred * (-gamma*rstd^2*dGamma/m) - gamma*rstd*dBeta/m.
 */
function batchNormGrad(args: {
  inputs: Record<string, TensorInfo>;
  backend: BackendWasm;
}): TensorInfo[] {
  const { backend } = args;
  const { dy, centred, rstd, gamma } = args.inputs as Record<
    'dy' | 'centred' | 'rstd' | 'gamma',
    TensorInfo
  >;
  const w = wideOf(dy.shape);
  const dy2 = reshapeInfo(backend, dy, wideShape(w));
  const c2 = reshapeInfo(backend, centred, wideShape(w));
  const dBeta = channelSums(backend, dy2, w);
  const product = runWasm(backend, 'Multiply', { a: dy2, b: c2 });
  const r = read(backend, rstd).slice();
  const g = read(backend, gamma).slice();
  const productSums = channelSums(backend, product, w);
  const dGamma = r.map((v, c) => productSums[c]! * v);
  const a = r.map((v, c) => v * g[c]!);
  const b = a.map((v, c) => (-v * r[c]! * dGamma[c]!) / w.rows);
  const k = a.map((v, c) => (-v * dBeta[c]!) / w.rows);
  const dx2 = combine(backend, w, dy2, a, k, c2, b);
  const outs = [
    reshapeInfo(backend, dx2, dy.shape),
    vectorOf(backend, dGamma),
    vectorOf(backend, Float32Array.from(dBeta)),
  ];
  disposeInfos(backend, dy2, c2, product, dx2);
  return outs;
}

/** The fused batch-norm kernels on wasm; `batchNormTrain` uses them when the active backend has them. */
export const batchNormKernelConfigs: KernelConfig[] = [
  wasmKernel(BatchNormTrainKernel, batchNormTrain),
  wasmKernel(BatchNormGradKernel, batchNormGrad),
];
