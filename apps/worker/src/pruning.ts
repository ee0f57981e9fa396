/**
 * asha on the worker: after each stored epoch, a trial that reached a rung asks PostgreSQL what becomes of it
 * (`recordRungValue`, atomic per checkpoint). When it does not go on, the database has already recorded it `pruned`
 * or (a trainer that resumes from its snapshots) `paused`, and the trial's abort signal stops the trainer at once
 * (the command trainer SIGTERMs its process group; every trainer kind stops on `ctx.signal`). Paused trials of the
 * same checkpoint that the report promoted are enqueued by `decide` (`decideRung` of @sweeps/orchestrate).
 */
import type { EpochMetrics, PruningPlan } from '@sweeps/core';
import type { RungDecision } from '@sweeps/db';
import type { RungValue } from '@sweeps/orchestrate';

/** The abort reason of a pruned trial: the run ends with the state the database already holds. */
export class TrialPruned extends Error {
  constructor(readonly decision: RungDecision) {
    super(`pruned at epoch ${decision.epoch}: ${decision.reason}`);
    this.name = 'TrialPruned';
  }
}

/**
 * The abort reason of a trial paused at a rung (asha's promotion form): the run ends with the state the database
 * already holds; the trial resumes from its snapshot if its rung promotes it later.
 */
export class TrialPaused extends Error {
  constructor(readonly decision: RungDecision) {
    super(`paused at epoch ${decision.epoch}: ${decision.reason}`);
    this.name = 'TrialPaused';
  }
}

/**
 * How a trial's rungs are decided: whether it can pause (its trainer resumes), and `decide`, which records a rung
 * value, returns the decision (null: the trial is no longer this worker's) and enqueues the trials it promoted.
 */
export interface RungOptions {
  pause: boolean;
  decide: (rung: RungValue) => Promise<RungDecision | null>;
}

/** A trainer's `reportEpoch`, and each stage of the worker's handling of it. */
export type ReportEpoch = (epoch: number, metrics: EpochMetrics) => Promise<void>;

/**
 * Wraps a trial's epoch reporter: `store` records the epoch, then each rung at or below it that this trial has
 * not passed yet is decided with the sweep's metric of this epoch (a trainer that evaluates every few epochs is
 * judged at its first evaluation past the rung). A grid sweep or a confirm seed (no `plan`: the claim's
 * `plan`) gets `store` itself back.
 */
export function withPruning(
  plan: PruningPlan | null,
  trial: { trialId: string; workerId: string },
  controller: AbortController,
  store: ReportEpoch,
  options: RungOptions,
): ReportEpoch {
  if (!plan) return store;
  const passed = new Set<number>();
  return async (epoch, metrics) => {
    // lines still in flight after the trial stopped at a rung: a pruned trial's are dropped; a paused trial's
    // epochs are stored (it resumes from its newest snapshot, which may be past the rung) but decide nothing
    if (controller.signal.reason instanceof TrialPruned) return;
    if (controller.signal.reason instanceof TrialPaused) return store(epoch, metrics);
    await store(epoch, metrics);
    const value = metrics[plan.metric];
    if (typeof value !== 'number' || controller.signal.aborted) return;
    for (const rung of plan.rungs) {
      if (rung > epoch || passed.has(rung)) continue;
      const d = await options.decide({
        trialId: trial.trialId,
        workerId: trial.workerId,
        epoch: rung,
        value,
        pause: options.pause && plan.mayPause,
      });
      if (d === null) return; // no longer ours: whoever holds it decides
      if (d.outcome !== 'promoted') {
        controller.abort(d.outcome === 'paused' ? new TrialPaused(d) : new TrialPruned(d));
        return;
      }
      passed.add(rung);
    }
  };
}
