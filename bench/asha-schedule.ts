/**
 * asha on an asynchronous schedule, without services, in its two forms: `slots` take trials in the given start
 * order, one epoch per time unit each, and at every rung epoch a trial's value is judged against the values
 * recorded so far at that rung by trials of the same checkpoint.
 * - {@link simulateAsha}, the stop-or-go form (trainers that cannot resume): core's `decidePromotion` at once, the
 *   trial goes on or is pruned (at the first rung with the checkpoint's trial count, as the database does).
 * - {@link simulateAshaPausing}, the promotion form (Li et al. 2020, Algorithm 2; trainers that resume from their
 *   snapshots): the trial is recorded `paused` and every rung of its checkpoint is settled with core's
 *   `settleRung`; a paused trial promoted later goes to the front of the queue and resumes at its rung epoch.
 * Shared by the synthetic bench (bench/asha.bench.ts) and the replays of the real tfjs grid (asha-tfjs.bench.ts).
 */
import {
  type AshaStrategy,
  decidePromotion,
  type RungEntry,
  type RungStanding,
  rungEpochs,
  settleRung,
} from '@sweeps/core';

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
  /** stop-or-go only: the first rung's population per checkpoint; without it the places grow with the values */
  population?: (checkpoint: string) => number;
}

/** What a simulated asha sweep did. */
export interface AshaRun {
  /** trial epochs run (a failed epoch is not counted; no epoch is run twice) */
  epochsRun: number;
  /** each trial that ran all its epochs, with its final value */
  finished: Map<string, number>;
  /** the rung epochs */
  rungs: number[];
  /** time units until the last slot fell idle (one epoch per slot per unit) */
  timeUnits: number;
  /** promotion form only: trials taken again from a snapshot (resumes) */
  resumes: number;
}

/** A trial on a slot (or waiting for one): it has run `epoch` epochs. */
interface Job<T> {
  t: T;
  epoch: number;
}

/** What the two forms do at the moments the shared slot loop ({@link runSlots}) hands them. */
interface SlotHooks<T> {
  /** a slot takes `job` off the queue */
  started?: (job: Job<T>) => void;
  /** the trial failed in this epoch (reported nothing) */
  failed?: (t: T) => void;
  /** the trial ran all its epochs, ending with `value` */
  finished: (t: T, value: number) => void;
  /** the trial reached rung `epoch` with `value`: whether it keeps its slot and goes on */
  atRung: (t: T, epoch: number, value: number) => boolean;
}

/**
 * The schedule both forms share: `s.slots` slots take jobs from the front of `queue` (which the hooks may add to),
 * one epoch per slot per time unit, until the queue is empty and every slot idle. Returns the epochs run (a
 * failed epoch is not counted) and the time units taken.
 */
function runSlots<T extends ScheduledTrial>(
  s: AshaSchedule<T>,
  rungs: number[],
  queue: Array<Job<T>>,
  hooks: SlotHooks<T>,
): { epochsRun: number; timeUnits: number } {
  let epochsRun = 0;
  let timeUnits = 0;
  const running: Array<Job<T> | null> = Array.from({ length: s.slots }, () => null);
  while (queue.length > 0 || running.some((r) => r !== null)) {
    timeUnits++;
    for (let i = 0; i < s.slots; i++) {
      if (running[i] === null && queue.length > 0) {
        running[i] = queue.shift()!;
        hooks.started?.(running[i]!);
      }
      const r = running[i];
      if (!r) continue;
      r.epoch++;
      const v = s.value(r.t, r.epoch);
      if (v === undefined) {
        running[i] = null; // failed in this epoch, reporting nothing more
        hooks.failed?.(r.t);
        continue;
      }
      epochsRun++;
      if (r.epoch === s.epochs) {
        hooks.finished(r.t, v);
        running[i] = null;
      } else if (rungs.includes(r.epoch) && !hooks.atRung(r.t, r.epoch, v)) {
        running[i] = null; // stopped at the rung: the slot takes the next job
      }
    }
  }
  return { epochsRun, timeUnits };
}

/** The stop-or-go form: a trial at a rung goes on or is pruned at once (core's `decidePromotion`). */
export function simulateAsha<T extends ScheduledTrial>(s: AshaSchedule<T>): AshaRun {
  const rungs = rungEpochs(s.strategy, s.epochs);
  const recorded = new Map<string, RungEntry[]>();
  const finished = new Map<string, number>();
  const { epochsRun, timeUnits } = runSlots(
    s,
    rungs,
    s.order.map((t) => ({ t, epoch: 0 })),
    {
      finished: (t, v) => finished.set(t.trialId, v),
      atRung: (t, epoch, v) => {
        const key = `${t.checkpoint}/${epoch}`;
        const earlier = recorded.get(key) ?? [];
        const population = epoch === rungs[0] ? s.population?.(t.checkpoint) : undefined;
        const d = decidePromotion(
          v,
          earlier,
          s.strategy.reduction_factor,
          'maximize',
          epoch,
          population,
        );
        recorded.set(key, [...earlier, { trialId: t.trialId, value: v }]);
        return d.promoted;
      },
    },
  );
  return { epochsRun, finished, rungs, timeUnits, resumes: 0 };
}

/** Where a trial of the promotion form stands; `final` = ran all its epochs, failed or was pruned. */
type PausingState = 'queued' | 'running' | 'paused' | 'final';

/**
 * The promotion form, as the database applies it: a trial reaching a rung epoch below its epochs records its value
 * there `paused`, then every rung of its checkpoint is settled in ascending order with core's `settleRung`. A rung
 * is complete when every trial of the checkpoint that is not final (queued, running or paused) has a value there.
 * Trials in `promote` go on: the reporting trial keeps its slot, another paused trial is put at the front of the
 * queue (BullMQ `lifo`, each in turn, so the last promoted is taken first) and resumes from its snapshot at the
 * rung epoch. Trials in `prune` become final. A reporting trial not promoted stops and its slot takes the next job.
 * A trial that fails (no value for an epoch) becomes final and its checkpoint's rungs are settled again (its
 * absence can complete a rung). Throws if the queue runs dry with trials still paused (a rule that can stall).
 */
export function simulateAshaPausing<T extends ScheduledTrial>(s: AshaSchedule<T>): AshaRun {
  const rungs = rungEpochs(s.strategy, s.epochs);
  const trialsOf = new Map<string, T[]>();
  for (const t of s.order) trialsOf.set(t.checkpoint, [...(trialsOf.get(t.checkpoint) ?? []), t]);
  const state = new Map<string, PausingState>(s.order.map((t) => [t.trialId, 'queued']));
  /** per checkpoint and rung epoch (`checkpoint/epoch`): the values recorded there, in recorded order */
  const standings = new Map<string, RungStanding[]>();
  const standingsAt = (checkpoint: string, epoch: number) => {
    const key = `${checkpoint}/${epoch}`;
    let list = standings.get(key);
    if (!list) standings.set(key, (list = []));
    return list;
  };
  const queue: Array<Job<T>> = s.order.map((t) => ({ t, epoch: 0 }));
  const byId = new Map(s.order.map((t) => [t.trialId, t]));
  const finished = new Map<string, number>();
  let resumes = 0;

  /** Settles every rung of `checkpoint`, ascending; returns whether `reporter` was promoted. */
  const settle = (checkpoint: string, reporter?: string): boolean => {
    let reporterGoesOn = false;
    for (const epoch of rungs) {
      const list = standingsAt(checkpoint, epoch);
      if (!list.some((x) => x.outcome === 'paused')) continue;
      const at = new Set(list.map((x) => x.trialId));
      const complete = trialsOf
        .get(checkpoint)!
        .every((t) => state.get(t.trialId) === 'final' || at.has(t.trialId));
      const settled = settleRung(list, s.strategy.reduction_factor, 'maximize', complete);
      for (const id of settled.promote) {
        list.find((x) => x.trialId === id)!.outcome = 'promoted';
        if (id === reporter) {
          reporterGoesOn = true;
          continue;
        }
        state.set(id, 'queued');
        queue.unshift({ t: byId.get(id)!, epoch }); // lifo: before every trial queued earlier
      }
      for (const id of settled.prune) {
        list.find((x) => x.trialId === id)!.outcome = 'pruned';
        state.set(id, 'final');
      }
    }
    return reporterGoesOn;
  };

  const { epochsRun, timeUnits } = runSlots(s, rungs, queue, {
    started: (job) => {
      if (job.epoch > 0) resumes++;
      state.set(job.t.trialId, 'running');
    },
    failed: (t) => {
      state.set(t.trialId, 'final');
      settle(t.checkpoint);
    },
    finished: (t, v) => {
      finished.set(t.trialId, v);
      state.set(t.trialId, 'final');
    },
    atRung: (t, epoch, v) => {
      standingsAt(t.checkpoint, epoch).push({ trialId: t.trialId, value: v, outcome: 'paused' });
      state.set(t.trialId, 'paused');
      const goesOn = settle(t.checkpoint, t.trialId); // else paused (or pruned)
      if (goesOn) state.set(t.trialId, 'running');
      return goesOn;
    },
  });
  const stuck = [...state].filter(([, st]) => st !== 'final').map(([id]) => id);
  if (stuck.length > 0) {
    throw new Error(
      `the promotion form stalled with ${stuck.length} trials paused: ${stuck[0]}, …`,
    );
  }
  return { epochsRun, finished, rungs, timeUnits, resumes };
}
