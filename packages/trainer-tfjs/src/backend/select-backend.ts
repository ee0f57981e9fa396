import {
  probes,
  type BackendName,
  type Probe,
  type ProbeOptions,
  type SelectedBackend,
} from './backend-probes.ts';

export type { BackendName, SelectedBackend } from './backend-probes.ts';

/**
 * The automatic order: tfjs-node-gpu (CUDA libtensorflow, where it installed), WebGPU over Dawn when a
 * hardware Vulkan adapter is found (how a worker uses an NVIDIA GPU where libtensorflow cannot be
 * downloaded), tfjs-node, then wasm with SIMD and this project's training kernels. Never plain `cpu`.
 */
export const automaticOrder: readonly BackendName[] = [
  'tensorflow',
  'webgpu',
  'tensorflow-cpu',
  'wasm',
];

/** Options of `selectBackend`. */
export interface SelectBackendOptions extends ProbeOptions {
  /**
   * Use exactly this backend or fail (no fallback). `webgpu` then also accepts a software adapter
   * (lavapipe). `cpu`, the plain JavaScript backend (~300x slower than wasm at training), is only
   * ever used when forced, for tests.
   */
  force?: BackendName;
  /** Replaces how backends are tried (tests of the selection logic). Default: the real probes. */
  probes?: Readonly<Record<BackendName, Probe>>;
}

/** One backend that was tried and why it was not used. */
export interface BackendAttempt {
  name: BackendName;
  reason: string;
}

/** Thrown when no backend could be used; names every one tried and why it failed. */
export class BackendUnavailableError extends Error {
  readonly code = 'BACKEND_UNAVAILABLE';
  constructor(
    readonly attempts: readonly BackendAttempt[],
    readonly forced?: BackendName,
  ) {
    const tried = attempts.map((a) => `${a.name}: ${a.reason}`).join('; ');
    super(
      forced === undefined
        ? `no TensorFlow.js backend could be used (tried ${tried}). The plain cpu backend is never chosen automatically.`
        : `backend '${forced}' was forced but could not be used: ${tried}`,
    );
    this.name = 'BackendUnavailableError';
  }
}

function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]!.slice(0, 300);
}

/**
 * Chooses and activates the TensorFlow.js backend for this process (see `automaticOrder`), or the
 * forced one. Call once per trial process, before building the model; record the result with the trial.
 * @throws BackendUnavailableError when nothing usable is found (or the forced backend fails).
 */
export async function selectBackend(options: SelectBackendOptions = {}): Promise<SelectedBackend> {
  const table = options.probes ?? probes;
  const order = options.force === undefined ? automaticOrder : [options.force];
  const probeOptions: ProbeOptions = {
    allowFallbackAdapter: options.allowFallbackAdapter ?? options.force === 'webgpu',
    ...(options.visibleDevices === undefined ? {} : { visibleDevices: options.visibleDevices }),
    ...(options.nativeKernels === undefined ? {} : { nativeKernels: options.nativeKernels }),
  };
  const attempts: BackendAttempt[] = [];
  for (const name of order) {
    try {
      const selected = await table[name](probeOptions);
      return attempts.length === 0 ? selected : { ...selected, skipped: attempts };
    } catch (error) {
      attempts.push({ name, reason: reasonOf(error) });
    }
  }
  throw new BackendUnavailableError(attempts, options.force);
}

/** Parses a `--backend` value. @throws on anything but the known names. */
export function parseBackendName(value: string): BackendName {
  const names: readonly string[] = [...automaticOrder, 'cpu'];
  if (!names.includes(value))
    throw new Error(`unknown backend '${value}' (expected one of ${names.join(', ')})`);
  return value as BackendName;
}
