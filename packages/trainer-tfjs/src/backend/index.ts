/**
 * The compute backend of the TF.js trainer: choosing it per trial process, the wasm training kernels,
 * the batch-norm helpers the model code uses, and the WebGPU (Dawn) setup.
 */
export {
  automaticOrder,
  BackendUnavailableError,
  parseBackendName,
  selectBackend,
} from './select-backend.ts';
export type {
  BackendAttempt,
  BackendName,
  SelectBackendOptions,
  SelectedBackend,
} from './select-backend.ts';
export {
  batchNormInference,
  batchNormTrain,
  registerWasmTrainingKernels,
  type BatchNormTrainResult,
} from './wasm-kernels/index.ts';
export { setupWebGpu, type WebGpuAdapterInfo, type WebGpuOptions } from './webgpu.ts';
export { lavapipeDir, lavapipeEnv, type LavapipeEnv } from './lavapipe.ts';
export { checkBackendAgainstCpu, type BackendCheck } from './backend-check.ts';
export { ensureGradientsRegistered } from './tfjs-gradients.ts';
