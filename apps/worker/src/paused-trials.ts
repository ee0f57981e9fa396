/**
 * asha's paused trials from the worker's side. Trials a rung promoted go to the head of the queue (they resume
 * from their snapshots before new trials start, as the published algorithm promotes before it starts new
 * configurations). After a trial ends for good, its sweep's paused trials are settled again: a trial that failed
 * before a rung can complete that rung, which promotes or prunes the trials waiting there. Failing here loses
 * nothing: the decisions are in PostgreSQL, and the reconcile loop settles and enqueues whatever is left.
 */
import { type Db, type RequeuedTrial, settlePausedTrials } from '@sweeps/db';
import { enqueueTrials, type Queue, type TrialJob } from '@sweeps/queue';
import { lastLine } from './db-retry.ts';

/** Enqueues promoted trials at the head of the queue; a failure is logged and left to reconcile. */
export async function requeuePromoted(
  queue: Queue<TrialJob>,
  trials: RequeuedTrial[],
  log: (line: string) => void,
): Promise<void> {
  if (trials.length === 0) return;
  try {
    await enqueueTrials(queue, trials, { front: true });
    log(`asha: ${trials.map((t) => t.trialId).join(', ')} promoted at a rung, resuming`);
  } catch (err) {
    log(`asha: promoted trials left to reconcile: ${lastLine(err)}`);
  }
}

/** After `trialId` ended for good: settles its sweep's paused trials and enqueues the ones promoted. */
export async function resumeSettledRungs(
  db: Db,
  queue: Queue<TrialJob>,
  trialId: string,
  log: (line: string) => void,
): Promise<void> {
  try {
    const [row] = await db.$queryRaw<Array<{ sweep_id: string }>>`
      SELECT sweep_id FROM trials WHERE id = ${trialId}`;
    if (!row) return;
    await requeuePromoted(queue, await settlePausedTrials(db, row.sweep_id), log);
  } catch (err) {
    log(`asha: paused trials after trial ${trialId} left to reconcile: ${lastLine(err)}`);
  }
}
