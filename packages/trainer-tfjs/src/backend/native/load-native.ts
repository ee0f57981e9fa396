import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * The functions of the native addon (packages/trainer-tfjs/native): NHWC float32 convolutions and matrix products
 * on oneDNN, training batch norm and the fused optimizer updates, each reading and writing Float32Array views of
 * the wasm backend's heap.
 */
export interface NativeCpuKernels {
  /** y = conv(x, filter); every array is checked against the geometry (native-conv-kernels.ts's geometryArray). */
  conv2dForward(x: Float32Array, filter: Float32Array, y: Float32Array, geometry: number[]): void;
  conv2dBackpropInput(
    dy: Float32Array,
    filter: Float32Array,
    dx: Float32Array,
    geometry: number[],
  ): void;
  conv2dBackpropFilter(
    x: Float32Array,
    dy: Float32Array,
    dw: Float32Array,
    geometry: number[],
  ): void;
  batchNormTrain(
    x: Float32Array,
    gamma: Float32Array,
    beta: Float32Array,
    epsilon: number,
    y: Float32Array,
    mean: Float32Array,
    variance: Float32Array,
    rstd: Float32Array,
    centred: Float32Array,
  ): void;
  batchNormGrad(
    dy: Float32Array,
    centred: Float32Array,
    rstd: Float32Array,
    gamma: Float32Array,
    dx: Float32Array,
    dGamma: Float32Array,
    dBeta: Float32Array,
  ): void;
  /** c = op(a) x op(b) per batch; shape = [batch, batchA, batchB, m, n, k, transposeA, transposeB] (0/1). */
  batchMatMul(a: Float32Array, b: Float32Array, c: Float32Array, shape: number[]): void;
  /** The fused AdamW step; scalars: decay, beta1, 1-beta1, beta2, 1-beta2, -stepSize, bc2Sqrt, eps, decays (0/1). */
  adamwUpdate(
    p: Float32Array,
    g: Float32Array,
    m: Float32Array,
    v: Float32Array,
    pOut: Float32Array,
    mOut: Float32Array,
    vOut: Float32Array,
    scalars: number[],
  ): void;
  /** The fused SGD step; scalars: wd, momentum, 1-dampening, lr, decays, dampens, nesterov, firstStep (0/1). */
  sgdUpdate(
    p: Float32Array,
    g: Float32Array,
    b: Float32Array,
    pOut: Float32Array,
    bOut: Float32Array,
    scalars: number[],
  ): void;
  /** Threads oneDNN may use (OpenMP) (1: one core per trial process, as the worker's slots assume). */
  setThreads(threads: number): void;
  libraryInfo(): { library: string; threads: number };
}

/** The addon, loaded, or why it is not used. */
export type NativeLoad =
  | { ok: true; kernels: NativeCpuKernels; library: string; threads: number }
  | { ok: false; reason: string };

/** Where `npm run build:native` writes the addon. */
const NATIVE_ADDON_PATH = fileURLToPath(
  new URL('../../../native/build/Release/sweeps_cpu_kernels.node', import.meta.url),
);

/** The environment variable that turns the native kernels off (`0`) and the one that sets their threads. */
export const NATIVE_ENV = 'SWEEPS_TFJS_NATIVE';
const NATIVE_THREADS_ENV = 'SWEEPS_TFJS_THREADS';

/** Threads for oneDNN: SWEEPS_TFJS_THREADS when it is a whole number from 1 to 256, else 1. */
function nativeThreads(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[NATIVE_THREADS_ENV];
  if (raw === undefined || raw === '') return 1;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 256) {
    throw new Error(`${NATIVE_THREADS_ENV} must be a whole number from 1 to 256, got '${raw}'`);
  }
  return n;
}

let loaded: NativeLoad | undefined;

/**
 * Loads the native convolution kernels once per process. They are optional: without the addon (not built,
 * oneDNN missing, another platform) or with SWEEPS_TFJS_NATIVE=0 the trainer keeps the wasm kernels.
 */
export function loadNativeKernels(env: NodeJS.ProcessEnv = process.env): NativeLoad {
  if (env[NATIVE_ENV] === '0') return { ok: false, reason: `turned off (${NATIVE_ENV}=0)` };
  if (loaded !== undefined) return loaded;
  loaded = load(env);
  return loaded;
}

function load(env: NodeJS.ProcessEnv): NativeLoad {
  if (!existsSync(NATIVE_ADDON_PATH)) {
    return { ok: false, reason: 'not built (npm run build:native; it needs g++ and libdnnl-dev)' };
  }
  const threads = nativeThreads(env);
  try {
    const kernels = createRequire(import.meta.url)(NATIVE_ADDON_PATH) as NativeCpuKernels;
    kernels.setThreads(threads);
    const info = kernels.libraryInfo();
    return { ok: true, kernels, library: info.library, threads: info.threads };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, reason: `could not be loaded: ${message.split('\n')[0]!.slice(0, 200)}` };
  }
}
