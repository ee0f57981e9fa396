/** One slot per GPU (as nvidia-smi lists them), else `--slots N`, else one per CPU core. */
import { execFile } from 'node:child_process';
import { cpus } from 'node:os';
import { promisify } from 'node:util';
import type { WorkerRegistration } from '@sweeps/db';

export type SlotDevice = WorkerRegistration['devices'][number];

/** Parses `nvidia-smi --query-gpu=index,name,memory.total --format=csv,noheader` output. */
export function parseNvidiaSmi(output: string): SlotDevice[] {
  return output
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((line, slot) => {
      const [index, name, memory] = line.split(',').map((s) => s.trim());
      return {
        slot,
        kind: 'gpu',
        index: Number(index),
        name,
        memoryMb: Number.parseInt(memory ?? '', 10) || undefined,
      };
    });
}

async function listGpus(): Promise<SlotDevice[]> {
  try {
    const { stdout } = await promisify(execFile)(
      'nvidia-smi',
      ['--query-gpu=index,name,memory.total', '--format=csv,noheader'],
      { timeout: 10_000 },
    );
    return parseNvidiaSmi(stdout);
  } catch {
    return []; // no NVIDIA driver here
  }
}

/**
 * The GPUs among `gpus` that `visible` (the worker's CUDA_VISIBLE_DEVICES: what Slurm or a container runtime
 * allocated to it) names by index, renumbered into slots; all of them when it is unset or names a GPU otherwise
 * (by UUID), as nvidia-smi lists every GPU of a node that does not confine its devices.
 */
export function keepVisibleGpus(gpus: SlotDevice[], visible: string | undefined): SlotDevice[] {
  const names = (visible ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0 || !names.every((n) => /^\d+$/.test(n))) return gpus;
  const wanted = new Set(names.map(Number));
  return gpus
    .filter((g) => g.kind === 'gpu' && g.index !== undefined && wanted.has(g.index))
    .map((g, slot) => ({ ...g, slot }));
}

/**
 * The slots this worker offers. GPUs (those `visible` names, see {@link keepVisibleGpus}) win over `--slots`,
 * which wins over the core count.
 */
export async function detectSlots(
  requested: number | undefined,
  visible?: string,
): Promise<SlotDevice[]> {
  const gpus = keepVisibleGpus(await listGpus(), visible);
  if (gpus.length > 0) return gpus;
  const n = requested ?? cpus().length;
  return Array.from({ length: n }, (_, slot) => ({ slot, kind: 'cpu' as const }));
}

/** The environment a trial on this slot runs with: its GPU alone is visible. */
export function slotEnv(device: SlotDevice): Record<string, string> {
  return device.kind === 'gpu'
    ? { CUDA_VISIBLE_DEVICES: String(device.index), SWEEPS_SLOT: String(device.slot) }
    : { SWEEPS_SLOT: String(device.slot) };
}

/** Hands out free slots; a BullMQ worker with concurrency = slots never asks for more than there are. */
export class SlotPool {
  private readonly free: SlotDevice[];
  constructor(devices: SlotDevice[]) {
    this.free = [...devices];
  }
  take(): SlotDevice {
    const d = this.free.shift();
    if (!d) throw new Error('no free slot (concurrency exceeds the slot count)');
    return d;
  }
  give(d: SlotDevice): void {
    this.free.push(d);
    this.free.sort((a, b) => a.slot - b.slot);
  }
}
