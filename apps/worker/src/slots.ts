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

/** The slots this worker offers. GPUs win over `--slots`, which wins over the core count. */
export async function detectSlots(requested: number | undefined): Promise<SlotDevice[]> {
  const gpus = await listGpus();
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
