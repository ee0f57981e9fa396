/**
 * asha on the worker: after each stored epoch, a trial that reached a rung asks PostgreSQL whether it goes on
 * (`recordRungValue`, atomic per rung). When it does not, the database has already recorded it `pruned`, and the
 * trial's abort signal stops the trainer at once (the command trainer SIGTERMs its process group; every trainer
 * kind stops on `ctx.signal`).
 */
import type { EpochMetrics } from '@sweeps/core';
import { loadPruningPlan, recordRungValue, type Db, type RungDecision } from '@sweeps/db';

/** The abort reason of a pruned trial: the run ends with the state the database already holds. */
export class TrialPruned extends Error {
  constructor(readonly decision: RungDecision) {
    super(`pruned at epoch ${decision.epoch}: ${decision.reason}`);
    this.name = 'TrialPruned';
  }
}

/** A trainer's `reportEpoch`, and each stage of the worker's handling of it. */
export type ReportEpoch = (epoch: number, metrics: EpochMetrics) => Promise<void>;

/**
 * Wraps a trial's epoch reporter: `store` records the epoch, then each rung at or below it that this trial has
 * not passed yet is decided with the sweep's metric of this epoch (a trainer that evaluates every few epochs is
 * judged at its first evaluation past the rung). A grid sweep or a confirm seed gets `store` itself back.
 */
export async function withPruning(
  db: Db,
  trial: { trialId: string; workerId: string },
  controller: AbortController,
  store: ReportEpoch,
): Promise<ReportEpoch> {
  const plan = await loadPruningPlan(db, trial.trialId);
  if (!plan) return store;
  const passed = new Set<number>();
  return async (epoch, metrics) => {
    if (controller.signal.reason instanceof TrialPruned) return; // lines still in flight after the prune
    await store(epoch, metrics);
    const value = metrics[plan.metric];
    if (typeof value !== 'number' || controller.signal.aborted) return;
    for (const rung of plan.rungs) {
      if (rung > epoch || passed.has(rung)) continue;
      const d = await recordRungValue(db, {
        trialId: trial.trialId,
        workerId: trial.workerId,
        epoch: rung,
        value,
      });
      if (d === null) return; // no longer ours: whoever holds it decides
      if (!d.promoted) {
        controller.abort(new TrialPruned(d));
        return;
      }
      passed.add(rung);
    }
  };
}
