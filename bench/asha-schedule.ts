/**
 * asha on an asynchronous schedule, without services: `slots` take trials in the given start order, one epoch per
 * time unit each, and at every rung ask core's `decidePromotion` with the values recorded so far at that rung by
 * trials of the same checkpoint (and, at the first rung, the checkpoint's trial count, as the database does).
 * Shared by the synthetic bench (bench/asha.bench.ts) and the replays of the real tfjs grid (asha-tfjs.bench.ts).
 */
import { type AshaStrategy, decidePromotion, type RungEntry, rungEpochs } from '@sweeps/core';

export interface ScheduledTrial {
  trialId: string;
  checkpoint: string;
}

export interface AshaSchedule<T extends ScheduledTrial> {
  /** trials in the order they start */
  order: T[];
  slots: number;
  epochs: number;
  strategy: AshaStrategy;
  /** the metric after `epoch` (maximised), or undefined where the trial failed in that epoch */
  value: (trial: T, epoch: number) => number | undefined;
  /** the first rung's population per checkpoint; without it the places grow with the values recorded */
  population?: (checkpoint: string) => number;
}

/** Runs the schedule; returns the epochs run, each trial that ran all its epochs with its final value, the rungs. */
export function simulateAsha<T extends ScheduledTrial>(s: AshaSchedule<T>) {
  const rungs = rungEpochs(s.strategy, s.epochs);
  const recorded = new Map<string, RungEntry[]>();
  const queue = [...s.order];
  const finished = new Map<string, number>();
  let epochsRun = 0;
  const running: Array<{ t: T; epoch: number } | null> = Array.from(
    { length: s.slots },
    () => null,
  );
  while (queue.length > 0 || running.some((r) => r !== null)) {
    for (let i = 0; i < s.slots; i++) {
      if (running[i] === null && queue.length > 0) running[i] = { t: queue.shift()!, epoch: 0 };
      const r = running[i];
      if (!r) continue;
      r.epoch++;
      const v = s.value(r.t, r.epoch);
      if (v === undefined) {
        running[i] = null; // failed in this epoch, reporting nothing more
        continue;
      }
      epochsRun++;
      if (r.epoch === s.epochs) {
        finished.set(r.t.trialId, v);
        running[i] = null;
      } else if (rungs.includes(r.epoch)) {
        const key = `${r.t.checkpoint}/${r.epoch}`;
        const earlier = recorded.get(key) ?? [];
        const population = r.epoch === rungs[0] ? s.population?.(r.t.checkpoint) : undefined;
        const d = decidePromotion(
          v,
          earlier,
          s.strategy.reduction_factor,
          'maximize',
          r.epoch,
          population,
        );
        recorded.set(key, [...earlier, { trialId: r.t.trialId, value: v }]);
        if (!d.promoted) running[i] = null;
      }
    }
  }
  return { epochsRun, finished, rungs };
}
