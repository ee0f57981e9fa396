/**
 * Cancelling (and deleting) a sweep in both stores. PostgreSQL says cancelled batch by batch, and each batch's jobs
 * leave Redis while the next batch is written: a job left in Redis is skipped by its worker's claim anyway. A paused
 * trial has no process; its job, should a promotion have just enqueued one, is removed like a queued one's. Running
 * trials are told to stop on the cancel channel.
 */
import { type CancelledTrials, cancelSweep, deleteSweep } from '@sweeps/db';
import { publishCancel, removeTrialJobs } from '@sweeps/queue';
import { withDeadline } from './deadline.ts';
import type { Stores } from './stores.ts';

/** What a cancel did: the trials cancelled by former state; `told`: whether Redis took the stop message. */
export interface SweepCancellation extends CancelledTrials {
  told: boolean;
}

/**
 * Cancels the sweep (SWEEP_NOT_FOUND when there is none). Telling running trials to stop needs Redis; when it does
 * not answer, `told` is false (workers check their trial between epochs). Removing jobs is waited for a bounded
 * time; what is left is removed after the answer.
 */
export async function cancelSweepWithJobs(
  stores: Stores,
  sweepId: string,
): Promise<SweepCancellation> {
  const removals: Promise<void>[] = [];
  const removeJobsOf = (batch: CancelledTrials) =>
    removals.push(
      removeTrialJobs(stores.queue, [...batch.queued, ...batch.paused]).catch(() => {}),
    );
  const cancelled = await cancelSweep(stores.db, sweepId, { onBatch: removeJobsOf });
  const removal = withDeadline('Redis', Promise.all(removals)).catch(() => {});
  const told = cancelled.running.length
    ? await withDeadline(
        'Redis',
        publishCancel(stores.redis, stores.names.cancelChannel, {
          sweepId,
          trialIds: cancelled.running,
        }),
      ).then(
        () => true,
        () => false,
      )
    : true;
  await removal;
  return { ...cancelled, told };
}

/**
 * Deletes a sweep with its trials, metrics and statistics. Unfinished trials are cancelled first and their workers
 * told to stop; PostgreSQL then forgets the sweep (a worker still finishing a trial finds nothing to write to).
 * `deleted` is false when PostgreSQL had no such sweep left to delete.
 */
export async function deleteSweepWithJobs(
  stores: Stores,
  sweepId: string,
): Promise<{ deleted: boolean; cancelled: SweepCancellation }> {
  const cancelled = await cancelSweepWithJobs(stores, sweepId);
  const deleted = await deleteSweep(stores.db, sweepId);
  return { deleted, cancelled };
}
