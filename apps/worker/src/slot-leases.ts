/**
 * Slots for trials that want several GPUs (`trainer.gpus_per_trial`, `mmdet`): a trial of N GPUs waits until N
 * slots of this worker are free and takes them together, so its processes see N distinct GPUs in
 * `CUDA_VISIBLE_DEVICES`. Waiters are served in arrival order (a big trial is not starved by small ones). The
 * BullMQ concurrency stays one job per slot, so a worker never holds more jobs than it has slots.
 */
import { PermanentTrialError } from '@sweeps/core';
import type { SlotDevice } from './slots.ts';

/** How many slots a trial asks for (1 unless its trainer says `gpus_per_trial`): core's routing rule. */
export { slotsWanted } from '@sweeps/core';

/** The environment of a trial on these slots: exactly their GPUs are visible. */
export function leaseEnv(devices: SlotDevice[]): Record<string, string> {
  const gpus = devices.filter((d) => d.kind === 'gpu').map((d) => String(d.index));
  return {
    ...(gpus.length ? { CUDA_VISIBLE_DEVICES: gpus.join(',') } : {}),
    SWEEPS_SLOT: devices.map((d) => d.slot).join(','),
  };
}

interface Waiter {
  n: number;
  resolve: (devices: SlotDevice[]) => void;
  reject: (err: unknown) => void;
}

export class SlotLeases {
  private readonly free: SlotDevice[];
  private readonly waiters: Waiter[] = [];

  constructor(
    private readonly devices: SlotDevice[],
    private readonly where = 'this worker',
  ) {
    this.free = [...devices];
  }

  /** Takes `n` slots, waiting while fewer are free; refuses at once if this worker has fewer than `n`. */
  take(n: number, signal?: AbortSignal): Promise<SlotDevice[]> {
    if (n > this.devices.length)
      return Promise.reject(
        new PermanentTrialError(
          `the trial needs ${n} GPUs; ${this.where} has ${this.devices.length} slot(s)`,
          'invalid',
        ),
      );
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { n, resolve, reject };
      this.waiters.push(waiter);
      signal?.addEventListener(
        'abort',
        () => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1), reject(signal.reason);
        },
        { once: true },
      );
      this.serve();
    });
  }

  /** Slots free now and not promised to a waiting trial (published with each heartbeat, for affinity). */
  freeCount(): number {
    return Math.max(0, this.free.length - this.waiters.reduce((n, w) => n + w.n, 0));
  }

  give(devices: SlotDevice[]): void {
    this.free.push(...devices);
    this.free.sort((a, b) => a.slot - b.slot);
    this.serve();
  }

  private serve(): void {
    while (this.waiters.length > 0 && this.waiters[0]!.n <= this.free.length) {
      const w = this.waiters.shift()!;
      w.resolve(this.free.splice(0, w.n));
    }
  }
}
