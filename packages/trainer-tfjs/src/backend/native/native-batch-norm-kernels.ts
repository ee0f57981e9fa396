import type { KernelConfig, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { BatchNormGradKernel, BatchNormTrainKernel } from '../wasm-kernels/batch-norm-kernels.ts';
import { read } from '../wasm-kernels/channel-ops.ts';
import { wasmKernel } from '../wasm-kernels/kernel-util.ts';
import type { NativeCpuKernels } from './load-native.ts';

/**
 * The fused training batch-norm kernels (same inputs, attributes and outputs as the wasm ones in
 * batch-norm-kernels.ts) computed by the native addon in three passes over the data instead of a chain of
 * XNNPACK ops, average pools and JavaScript loops.
 */
export function nativeBatchNormKernelConfigs(native: NativeCpuKernels): KernelConfig[] {
  function train(args: {
    inputs: Record<string, TensorInfo>;
    backend: BackendWasm;
    attrs: NamedAttrMap;
  }): TensorInfo[] {
    const { backend } = args;
    const { x, gamma, beta } = args.inputs as Record<'x' | 'gamma' | 'beta', TensorInfo>;
    const channels = gamma.shape[0]!;
    const outs = [
      backend.makeOutput([...x.shape], 'float32'),
      backend.makeOutput([channels], 'float32'),
      backend.makeOutput([channels], 'float32'),
      backend.makeOutput([channels], 'float32'),
      backend.makeOutput([...x.shape], 'float32'),
    ] as const;
    // Views only after every allocation: growing the heap detaches earlier ones.
    native.batchNormTrain(
      read(backend, x),
      read(backend, gamma),
      read(backend, beta),
      args.attrs['epsilon'] as number,
      ...(outs.map((o) => read(backend, o)) as [
        Float32Array,
        Float32Array,
        Float32Array,
        Float32Array,
        Float32Array,
      ]),
    );
    return [...outs];
  }

  function grad(args: { inputs: Record<string, TensorInfo>; backend: BackendWasm }): TensorInfo[] {
    const { backend } = args;
    const { dy, centred, rstd, gamma } = args.inputs as Record<
      'dy' | 'centred' | 'rstd' | 'gamma',
      TensorInfo
    >;
    const channels = rstd.shape[0]!;
    const outs = [
      backend.makeOutput([...dy.shape], 'float32'),
      backend.makeOutput([channels], 'float32'),
      backend.makeOutput([channels], 'float32'),
    ] as const;
    native.batchNormGrad(
      read(backend, dy),
      read(backend, centred),
      read(backend, rstd),
      read(backend, gamma),
      read(backend, outs[0]),
      read(backend, outs[1]),
      read(backend, outs[2]),
    );
    return [...outs];
  }

  return [wasmKernel(BatchNormTrainKernel, train), wasmKernel(BatchNormGradKernel, grad)];
}
