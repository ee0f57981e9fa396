import * as tf from '@tensorflow/tfjs-core';

/** What a WebGPU adapter says about itself (Dawn fills in what the Vulkan driver reports). */
export interface WebGpuAdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** True for software adapters such as Mesa's lavapipe (llvmpipe) or SwiftShader. */
  isFallbackAdapter: boolean;
}

/** How to set up WebGPU. */
export interface WebGpuOptions {
  /**
   * Accept a software (fallback) adapter such as lavapipe. Default false: on the CPU it is several
   * times slower than wasm, so automatic selection passes it by; tests and `--backend webgpu` take it.
   */
  allowFallbackAdapter?: boolean;
  /** Extra Dawn toggles for `create()`, e.g. `['backend=vulkan']`. Default none. */
  dawnFlags?: string[];
}

type GpuLike = {
  requestAdapter(options?: object): Promise<{ info: Record<string, unknown> } | null>;
};

let installed: GpuLike | undefined;

/**
 * Exposes Dawn's WebGPU (npm `webgpu`, which loads libvulkan.so.1) as `navigator.gpu`. The tfjs
 * WebGPU backend reads navigator.gpu when its module loads, so this must run before that import.
 */
async function installDawn(flags: string[]): Promise<GpuLike> {
  if (installed !== undefined) return installed;
  const dawn = (await import('webgpu')) as unknown as {
    create(flags: string[]): GpuLike;
    globals: object;
  };
  Object.assign(globalThis, dawn.globals);
  const gpu = dawn.create(flags);
  Object.defineProperty(globalThis, 'navigator', {
    value: { gpu },
    configurable: true,
    writable: true,
  });
  installed = gpu;
  return gpu;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/**
 * Finds a WebGPU adapter through Dawn and makes tfjs' WebGPU backend the active one.
 * @returns the adapter's description.
 * @throws when Dawn finds no adapter (no Vulkan driver, or Mesa < 23), the adapter is a software one
 *   and `allowFallbackAdapter` is not set, or tfjs cannot initialise the backend.
 */
export async function setupWebGpu(options: WebGpuOptions = {}): Promise<WebGpuAdapterInfo> {
  const gpu = await installDawn(options.dawnFlags ?? []);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (adapter === null) {
    throw new Error(
      "Dawn found no WebGPU adapter (needs libvulkan1 and a Vulkan driver: a GPU's ICD, or Mesa >= 23 lavapipe)",
    );
  }
  const raw = adapter.info;
  const info: WebGpuAdapterInfo = {
    vendor: text(raw['vendor']),
    architecture: text(raw['architecture']),
    device: text(raw['device']),
    description: text(raw['description']),
    isFallbackAdapter: raw['isFallbackAdapter'] === true,
  };
  if (info.isFallbackAdapter && options.allowFallbackAdapter !== true) {
    throw new Error(
      `only a software WebGPU adapter was found (${info.description || info.device}); not used unless forced`,
    );
  }
  await import('@tensorflow/tfjs-backend-webgpu');
  // On failure setBackend resolves false while getBackend() may still say 'webgpu'.
  if (!(await tf.setBackend('webgpu')))
    throw new Error('tfjs could not initialise its WebGPU backend on this adapter');
  const { registerWebGpuOptimizerKernels } = await import('./webgpu-kernels/optimizer-kernels.ts');
  registerWebGpuOptimizerKernels();
  return info;
}
