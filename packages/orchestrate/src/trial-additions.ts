/**
 * More trials for an existing sweep: stored as queued in PostgreSQL, then enqueued in Redis. `enqueued: false` when
 * Redis did not take them in time: they stay queued and the reconcile loop enqueues them once Redis answers.
 */
import { startOrder, type CheckpointSpec, type SweepPlan } from '@sweeps/core';
import { extendSweep, type QuotaOwner, retryFailedTrials } from '@sweeps/db';
import { enqueueCommitted } from './committed-trials.ts';
import type { Stores } from './stores.ts';

/** Retries the sweep's failed trials (queued again with fresh attempts); `quota`: none for admin callers. */
export async function retryFailedWithJobs(
  stores: Pick<Stores, 'db' | 'queue'>,
  sweepId: string,
  quota?: QuotaOwner,
): Promise<{ trialIds: string[]; enqueued: boolean }> {
  const trialIds = await retryFailedTrials(stores.db, sweepId, quota);
  const enqueued = await enqueueCommitted(
    stores.queue,
    trialIds.map((trialId) => ({ trialId, sweepId })),
  );
  return { trialIds, enqueued };
}

/**
 * Extends the sweep to `merged` (new checkpoints after the `offset` it had, new grid values or seeds); trials that
 * already exist are not added again. The added ones are enqueued in the strategy's start order.
 */
export async function extendSweepWithJobs(
  stores: Pick<Stores, 'db' | 'queue'>,
  sweepId: string,
  merged: SweepPlan,
  newCheckpoints: CheckpointSpec[],
  offset: number,
  quota?: QuotaOwner,
): Promise<{ trialIds: string[]; enqueued: boolean }> {
  const trialIds = await extendSweep(stores.db, sweepId, merged, newCheckpoints, offset, quota);
  const enqueued = await enqueueCommitted(
    stores.queue,
    startOrder(
      merged.spec.strategy,
      trialIds.map((trialId) => ({ trialId, sweepId })),
    ),
  );
  return { trialIds, enqueued };
}
