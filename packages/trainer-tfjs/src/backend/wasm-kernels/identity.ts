import { Identity } from '@tensorflow/tfjs-core';
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { wasmKernel } from './kernel-util.ts';

/**
 * Identity that shares its input's data (one more reference), as the cpu backend's does. The stock
 * wasm Identity copies, and tfjs clones every tensor it saves for a gradient: hundreds of copies per
 * training step. Sharing is safe because tensor data is never written in place (a variable's assign
 * swaps in new data).
 */
function identity(args: { inputs: { x: TensorInfo }; backend: BackendWasm }): TensorInfo {
  const { x } = args.inputs;
  if (x.dtype === 'string')
    throw new Error('Identity of a string tensor is not supported on wasm here');
  args.backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/** Identity for the wasm backend, replacing the stock copying one. */
export const identityConfig: KernelConfig = wasmKernel(Identity, identity);
