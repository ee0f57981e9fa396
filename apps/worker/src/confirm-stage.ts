/**
 * The confirm stage from the worker's side: after each trial it finished, the worker asks PostgreSQL whether that
 * trial's checkpoint is now due its confirm trials and enqueues the ones added. Failing here loses nothing: the
 * trials are in PostgreSQL (or not yet added), and the reconcile loop adds and enqueues whatever is missing.
 */
import { addConfirmTrials, type Db } from '@sweeps/db';
import {
  enqueueTrials,
  type Job,
  type Queue,
  type TrialJob,
  UnrecoverableError,
} from '@sweeps/queue';
import { lastLine } from './db-retry.ts';
import type { TrialJobOutcome } from './process-trial-job.ts';

type TrialJobProcessor = (job: Job, token: string | undefined) => Promise<TrialJobOutcome>;

/**
 * The job processor `process`, asking `askConfirmStage` after each job that left its trial in a final state: a
 * returned outcome other than `skipped`, or an UnrecoverableError (thrown once a final failure is recorded). A job
 * that did not finish its trial asks nothing: a claim postponed by an outage (DelayedError), a trial handed back
 * (WaitingError), a failure that will be retried (any other error), or nothing to do (`skipped`).
 */
export function askConfirmStageAfter(
  process: TrialJobProcessor,
  askConfirmStage: (trialId: string) => Promise<void>,
): TrialJobProcessor {
  const ask = async (job: Job) => {
    const trialId = (job.data as { trialId?: unknown }).trialId;
    if (typeof trialId === 'string') await askConfirmStage(trialId);
  };
  return async (job, token) => {
    let outcome: TrialJobOutcome;
    try {
      outcome = await process(job, token);
    } catch (err) {
      if (err instanceof UnrecoverableError) await ask(job);
      throw err;
    }
    if (outcome !== 'skipped' && outcome !== 'paused') await ask(job);
    return outcome;
  };
}

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
