import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { batchNormBackward, channelStats, normalise } from './batch-norm-math.ts';

/** Fused training batch norm: inputs x, gamma, beta; attr epsilon; outputs y, mean, variance, rstd. */
export const BatchNormTrainKernel = 'SweepsBatchNormTrain';
/** Its gradient: inputs dy, x, mean, rstd, gamma; outputs dx, dGamma, dBeta. */
export const BatchNormGradKernel = 'SweepsBatchNormGrad';

type Heap = (info: TensorInfo) => Float32Array;

function heapOf(backend: BackendWasm): Heap {
  return (info) => backend.typedArrayFromHeap(info) as Float32Array;
}

function batchNormTrain(args: { inputs: Record<string, TensorInfo>; backend: BackendWasm; attrs: NamedAttrMap }): TensorInfo[] {
  const { backend } = args;
  const { x, gamma, beta } = args.inputs as { x: TensorInfo; gamma: TensorInfo; beta: TensorInfo };
  const epsilon = args.attrs['epsilon'] as number;
  const channels = x.shape[x.shape.length - 1]!;
  const y = backend.makeOutput(x.shape, 'float32');
  const mean = backend.makeOutput([channels], 'float32');
  const variance = backend.makeOutput([channels], 'float32');
  const rstd = backend.makeOutput([channels], 'float32');
  const heap = heapOf(backend); // views after every allocation: growing the memory detaches old ones
  channelStats(heap(x), channels, epsilon, heap(mean), heap(variance), heap(rstd));
  normalise(heap(x), channels, heap(mean), heap(rstd), heap(gamma), heap(beta), heap(y));
  return [y, mean, variance, rstd];
}

function batchNormGrad(args: { inputs: Record<string, TensorInfo>; backend: BackendWasm }): TensorInfo[] {
  const { backend } = args;
  const { dy, x, mean, rstd, gamma } = args.inputs as Record<'dy' | 'x' | 'mean' | 'rstd' | 'gamma', TensorInfo>;
  const channels = x.shape[x.shape.length - 1]!;
  const dx = backend.makeOutput(x.shape, 'float32');
  const dGamma = backend.makeOutput([channels], 'float32');
  const dBeta = backend.makeOutput([channels], 'float32');
  const heap = heapOf(backend);
  batchNormBackward(heap(dy), heap(x), channels, heap(mean), heap(rstd), heap(gamma), {
    dx: heap(dx),
    dGamma: heap(dGamma),
    dBeta: heap(dBeta),
  });
  return [dx, dGamma, dBeta];
}

/** The fused batch-norm kernels on wasm; `batchNormTrain` uses them when the active backend has them. */
export const batchNormKernelConfigs: KernelConfig[] = [
  { kernelName: BatchNormTrainKernel, backendName: 'wasm', kernelFunc: batchNormTrain as unknown as KernelFunc },
  { kernelName: BatchNormGradKernel, backendName: 'wasm', kernelFunc: batchNormGrad as unknown as KernelFunc },
];
