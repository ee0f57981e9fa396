/**
 * The confirm stage across the two stores: after a trial finished, PostgreSQL says whether that trial's checkpoint
 * is now due its confirm trials and adds them; their jobs are then enqueued. Failing here loses nothing: the trials
 * are in PostgreSQL (or not yet added), and the reconcile loop adds and enqueues whatever is missing.
 */
import { addConfirmTrials } from '@sweeps/db';
import { enqueueTrials } from '@sweeps/queue';
import { orLeftToReconcile } from './left-to-reconcile.ts';
import type { Stores } from './stores.ts';

/** Adds and enqueues the confirm trials `trialId`'s checkpoint is due; a failure is logged and left to reconcile. */
export async function startDueConfirmTrials(
  stores: Pick<Stores, 'db' | 'queue'>,
  trialId: string,
  log: (line: string) => void,
): Promise<void> {
  await orLeftToReconcile(`confirm stage after trial ${trialId}`, log, async () => {
    const added = await addConfirmTrials(stores.db, trialId);
    if (added.length === 0) return;
    await enqueueTrials(
      stores.queue,
      added.map((t) => ({ trialId: t.id, sweepId: t.sweepId })),
    );
    log(`confirm stage: ${added.length} trial(s) added after trial ${trialId}`);
  });
}
