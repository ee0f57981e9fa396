/** Sweep commands: preview, create, cancel, retry failed trials, extend. Routes call these and nothing else. */
import { randomBytes } from 'node:crypto';
import { canonicalJson, DomainError, newSweepId, planSweep, type SweepPlan } from '@sweeps/core';
import { cancelSweep, createSweep, extendSweep, getSweep, retryFailedTrials } from '@sweeps/db';
import { enqueueTrials, publishCancel, removeTrialJobs } from '@sweeps/queue';
import type { ApiDeps } from './deps.ts';
import { mergeExtension } from './extend-spec.ts';

export function previewSweep(deps: ApiDeps, input: unknown) {
  const plan = planSweep(input, deps.maxTrials);
  return describePlan(plan);
}

export function describePlan(plan: SweepPlan) {
  return {
    name: plan.spec.name,
    trialsPerCheckpoint: plan.trialsPerCheckpoint,
    totalTrials: plan.totalTrials,
    checkpoints: plan.spec.checkpoints.map((c) => ({
      name: c.name,
      baseline: c.baseline,
      trials: plan.trialsPerCheckpoint,
    })),
    seeds: plan.spec.seeds,
    cells: plan.cells.map((c) => ({
      optimizer: c.optimizer,
      params: c.params,
      configHash: c.configHash,
    })),
    refused: plan.refused,
  };
}

/** Creates a sweep and enqueues every trial. Same Idempotency-Key, same sweep (a different body is refused). */
export async function submitSweep(deps: ApiDeps, input: unknown, idempotencyKey?: string) {
  const plan = planSweep(input, deps.maxTrials);
  const result = await createSweep(
    deps.db,
    newSweepId(randomBytes(8).toString('hex')),
    plan,
    idempotencyKey,
  );
  if (!result.created) {
    const existing = await getSweep(deps.db, result.sweepId);
    if (canonicalJson(existing.spec) !== canonicalJson(plan.spec)) {
      throw new DomainError(
        'IDEMPOTENCY_CONFLICT',
        `Idempotency-Key "${idempotencyKey}" was already used for sweep ${result.sweepId} with a different body.`,
      );
    }
  }
  await enqueueTrials(
    deps.queue,
    result.trialIds.map((trialId) => ({ trialId, sweepId: result.sweepId })),
  );
  return {
    id: result.sweepId,
    created: result.created,
    name: plan.spec.name,
    totalTrials: plan.totalTrials,
  };
}

/** Cancels a sweep: queued trials leave the queue, running ones are stopped on their workers. */
export async function cancelSweepEverywhere(deps: ApiDeps, sweepId: string) {
  const { queued, running } = await cancelSweep(deps.db, sweepId);
  await removeTrialJobs(deps.queue, queued);
  if (running.length)
    await publishCancel(deps.redis, deps.names.cancelChannel, { sweepId, trialIds: running });
  return { id: sweepId, cancelledQueued: queued.length, stoppedRunning: running.length };
}

/** Retries the sweep's failed trials: stored as queued again, then enqueued. */
export async function retryFailedEverywhere(deps: ApiDeps, sweepId: string) {
  const ids = await retryFailedTrials(deps.db, sweepId);
  await enqueueTrials(
    deps.queue,
    ids.map((trialId) => ({ trialId, sweepId })),
  );
  // `requeued` is the old name of `retried`, kept for clients that read it
  return { id: sweepId, retried: ids.length, requeued: ids.length };
}

/** Adds checkpoints, grid values or seeds; cells that already exist are not run again. */
export async function extendExistingSweep(deps: ApiDeps, sweepId: string, input: unknown) {
  const sweep = await getSweep(deps.db, sweepId);
  if (sweep.status === 'cancelled')
    throw new DomainError(
      'SWEEP_CANCELLED',
      `Sweep "${sweepId}" was cancelled; it cannot be extended.`,
    );
  const { merged, newCheckpoints } = mergeExtension(sweep.spec, input);
  const plan = planSweep(merged, deps.maxTrials);
  const added = await extendSweep(
    deps.db,
    sweepId,
    plan,
    plan.spec.checkpoints.slice(sweep.checkpoints.length),
    sweep.checkpoints.length,
  );
  await enqueueTrials(
    deps.queue,
    added.map((trialId) => ({ trialId, sweepId })),
  );
  return { id: sweepId, addedTrials: added.length, newCheckpoints, totalTrials: plan.totalTrials };
}
