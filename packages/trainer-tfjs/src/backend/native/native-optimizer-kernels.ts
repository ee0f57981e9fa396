import type { KernelConfig, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  ADAMW_UPDATE_KERNEL,
  type AdamWKernelAttrs,
  SGD_UPDATE_KERNEL,
  type SgdKernelAttrs,
} from '../../optim/fused-update.ts';
import { read } from '../wasm-kernels/channel-ops.ts';
import { wasmKernel } from '../wasm-kernels/kernel-util.ts';
import type { NativeCpuKernels } from './load-native.ts';

/** Checks a fused update's inputs (present, float32, one size); returns them in `names` order. */
function sameSized(
  kernel: string,
  inputs: Record<string, TensorInfo>,
  names: string[],
): TensorInfo[] {
  const list = names.map((name) => {
    const t = inputs[name];
    if (t === undefined) throw new Error(`${kernel}: input '${name}' is missing`);
    if (t.dtype !== 'float32')
      throw new Error(`${kernel}: input '${name}' is ${t.dtype}, not float32`);
    return t;
  });
  const size = (t: TensorInfo) => t.shape.reduce((a, b) => a * b, 1);
  if (list.some((t) => size(t) !== size(list[0]!))) {
    throw new Error(
      `${kernel}: inputs differ in size (${list.map((t) => `[${t.shape}]`).join(' / ')})`,
    );
  }
  return list;
}

/**
 * The trainer's fused AdamW and SGD-with-momentum updates (src/optim/fused-update.ts) on wasm, computed by the
 * native addon: one pass per parameter instead of about a dozen element-wise kernels, the same float32
 * operations in the same order as the tf-op path, so the same bits.
 */
export function nativeOptimizerKernelConfigs(native: NativeCpuKernels): KernelConfig[] {
  function adamw(args: {
    inputs: Record<string, TensorInfo>;
    backend: BackendWasm;
    attrs: NamedAttrMap;
  }): TensorInfo[] {
    const { backend } = args;
    const a = args.attrs as unknown as AdamWKernelAttrs;
    const [p, g, m, v] = sameSized(ADAMW_UPDATE_KERNEL, args.inputs, ['p', 'g', 'm', 'v']) as [
      TensorInfo,
      TensorInfo,
      TensorInfo,
      TensorInfo,
    ];
    const outs = [0, 1, 2].map(() => backend.makeOutput([...p.shape], 'float32'));
    native.adamwUpdate(
      read(backend, p),
      read(backend, g),
      read(backend, m),
      read(backend, v),
      read(backend, outs[0]!),
      read(backend, outs[1]!),
      read(backend, outs[2]!),
      [
        a.decay,
        a.beta1,
        1 - a.beta1,
        a.beta2,
        1 - a.beta2,
        -a.stepSize,
        a.bc2Sqrt,
        a.eps,
        a.decay !== 1 ? 1 : 0,
      ],
    );
    return outs;
  }

  function sgd(args: {
    inputs: Record<string, TensorInfo>;
    backend: BackendWasm;
    attrs: NamedAttrMap;
  }): TensorInfo[] {
    const { backend } = args;
    const a = args.attrs as unknown as SgdKernelAttrs;
    const [p, g, b] = sameSized(SGD_UPDATE_KERNEL, args.inputs, ['p', 'g', 'b']) as [
      TensorInfo,
      TensorInfo,
      TensorInfo,
    ];
    const outs = [0, 1].map(() => backend.makeOutput([...p.shape], 'float32'));
    native.sgdUpdate(
      read(backend, p),
      read(backend, g),
      read(backend, b),
      read(backend, outs[0]!),
      read(backend, outs[1]!),
      [
        a.weightDecay,
        a.momentum,
        1 - a.dampening,
        a.lr,
        a.weightDecay !== 0 ? 1 : 0,
        a.dampening !== 0 ? 1 : 0,
        a.nesterov ? 1 : 0,
        a.firstStep ? 1 : 0,
      ],
    );
    return outs;
  }

  return [wasmKernel(ADAMW_UPDATE_KERNEL, adamw), wasmKernel(SGD_UPDATE_KERNEL, sgd)];
}
