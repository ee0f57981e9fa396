import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import os from 'node:os';
import './tfjs-gradients.ts';
import { loadNativeKernels, type NativeLoad } from './native/load-native.ts';
import { useNativeKernels } from './native/register-native.ts';
import { registerWasmTrainingKernels } from './wasm-kernels/index.ts';
import { setupWebGpu } from './webgpu.ts';

/** The backends `selectBackend` knows, in its automatic order, plus the plain `cpu` one (tests only). */
export type BackendName = 'tensorflow' | 'webgpu' | 'tensorflow-cpu' | 'wasm' | 'cpu';

/** The backend a trial runs on, as recorded with the trial. */
export interface SelectedBackend {
  /** Which of the choices won. */
  name: BackendName;
  /** The tfjs backend now active: 'tensorflow', 'webgpu', 'wasm' or 'cpu'. */
  tfjsBackend: string;
  /** The adapter or device that runs it, in words, e.g. `wasm-simd (1 thread), AMD EPYC`. */
  device: string;
  /** Anything else worth recording (adapter fields, SIMD, versions). */
  details: Record<string, string | number | boolean>;
  /** Backends tried first and why they were passed by (set by selectBackend). */
  skipped?: { name: BackendName; reason: string }[];
}

/** Options the probes read. */
export interface ProbeOptions {
  /** Take a software WebGPU adapter (lavapipe); set when `webgpu` is forced. */
  allowFallbackAdapter?: boolean;
  /** The GPUs this process may use (the worker's CUDA_VISIBLE_DEVICES), recorded for tfjs-node-gpu. */
  visibleDevices?: string;
  /**
   * The native convolution kernels on wasm (native/, oneDNN): `auto` (default) uses them where they were
   * built, `off` keeps the wasm kernels (bit-identical results on every CPU), `require` fails without them.
   */
  nativeKernels?: 'auto' | 'off' | 'require';
}

export type Probe = (options: ProbeOptions) => Promise<SelectedBackend>;

function cpuModel(): string {
  return os.cpus()[0]?.model.trim() ?? 'unknown CPU';
}

/** Imports an optional package by a name TypeScript does not resolve (it may not be installed). */
async function importOptional(name: string): Promise<unknown> {
  return import(name);
}

async function activate(tfjsBackend: string): Promise<void> {
  if (!(await tf.setBackend(tfjsBackend)))
    throw new Error(`tf.setBackend('${tfjsBackend}') failed`);
}

const tensorflowGpu: Probe = async (options) => {
  await importOptional('@tensorflow/tfjs-node-gpu');
  await activate('tensorflow');
  const details: SelectedBackend['details'] = {
    package: '@tensorflow/tfjs-node-gpu',
    tfjs: tf.version_core,
  };
  if (options.visibleDevices !== undefined) details['visibleDevices'] = options.visibleDevices;
  const device = `libtensorflow CUDA${options.visibleDevices === undefined ? '' : ` (GPUs ${options.visibleDevices})`}`;
  return { name: 'tensorflow', tfjsBackend: 'tensorflow', device, details };
};

const webgpu: Probe = async (options) => {
  const adapter = await setupWebGpu({
    allowFallbackAdapter: options.allowFallbackAdapter === true,
  });
  const words = [
    adapter.vendor,
    adapter.architecture,
    adapter.description || adapter.device,
  ].filter((w) => w !== '');
  return {
    name: 'webgpu',
    tfjsBackend: 'webgpu',
    device: `WebGPU (Dawn/Vulkan): ${words.join(' / ')}`,
    details: { ...adapter },
  };
};

const tensorflowCpu: Probe = async () => {
  await importOptional('@tensorflow/tfjs-node');
  await activate('tensorflow');
  return {
    name: 'tensorflow-cpu',
    tfjsBackend: 'tensorflow',
    device: `libtensorflow CPU, ${cpuModel()}`,
    details: { package: '@tensorflow/tfjs-node' },
  };
};

const wasm: Probe = async (options) => {
  registerWasmTrainingKernels();
  // One thread per trial process (one process per core): pin the single-threaded SIMD binary even
  // where threads would be available (it only matters before the backend first initialises).
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  await activate('wasm');
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  const threads = getThreadsCount();
  // Convolutions on the native addon (OpenBLAS) where it was built; every other kernel stays wasm's.
  const mode = options.nativeKernels ?? 'auto';
  const native: NativeLoad =
    mode === 'off' ? { ok: false, reason: 'turned off for this run' } : loadNativeKernels();
  if (mode === 'require' && !native.ok) {
    throw new Error(`the native convolution kernels are required but ${native.reason}`);
  }
  useNativeKernels(native.ok ? native.kernels : null);
  const convs = native.ok
    ? ` + native convolutions (${native.library}, ${native.threads} thread${native.threads === 1 ? '' : 's'})`
    : '';
  const device = `wasm${simd ? '-simd' : ' (no SIMD)'} (${threads} thread${threads === 1 ? '' : 's'})${convs}, ${cpuModel()}`;
  const details = {
    simd,
    threads,
    cpu: cpuModel(),
    native: native.ok ? native.library : native.reason,
  };
  return { name: 'wasm', tfjsBackend: 'wasm', device, details };
};

const cpu: Probe = async () => {
  await activate('cpu');
  return {
    name: 'cpu',
    tfjsBackend: 'cpu',
    device: `tfjs cpu backend (plain JavaScript), ${cpuModel()}`,
    details: { cpu: cpuModel() },
  };
};

/** How each backend is tried. */
export const probes: Readonly<Record<BackendName, Probe>> = {
  tensorflow: tensorflowGpu,
  webgpu,
  'tensorflow-cpu': tensorflowCpu,
  wasm,
  cpu,
};
