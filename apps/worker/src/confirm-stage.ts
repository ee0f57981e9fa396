/**
 * The confirm stage from the worker's side: after each trial it ran, the worker asks PostgreSQL whether that
 * trial's checkpoint is now due its confirm trials and enqueues the ones added. Failing here loses nothing: the
 * trials are in PostgreSQL (or not yet added), and the reconcile loop adds and enqueues whatever is missing.
 */
import { addConfirmTrials, type Db } from '@sweeps/db';
import { enqueueTrials, type Queue, type TrialJob } from '@sweeps/queue';
import { lastLine } from './db-retry.ts';

export async function startDueConfirmTrials(
  db: Db,
  queue: Queue<TrialJob>,
  trialId: string,
  log: (line: string) => void,
): Promise<void> {
  try {
    const added = await addConfirmTrials(db, trialId);
    if (added.length === 0) return;
    await enqueueTrials(
      queue,
      added.map((t) => ({ trialId: t.id, sweepId: t.sweepId })),
    );
    log(`confirm stage: ${added.length} trial(s) added after trial ${trialId}`);
  } catch (err) {
    log(`confirm stage after trial ${trialId} left to reconcile: ${lastLine(err)}`);
  }
}
