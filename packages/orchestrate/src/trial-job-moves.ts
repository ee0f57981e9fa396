/**
 * A worker's moves of the job it runs that follow PostgreSQL: the claim (the job postponed in Redis while
 * PostgreSQL is unreachable), the hand-back (the trial queued again in PostgreSQL, then its job back to waiting)
 * and the re-run of a trial promoted at its rung while its own job was still running.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  claimTrial,
  type Db,
  handBackTrial,
  retryOnConnectionLoss,
  type TrialClaim,
  type TrialLease,
  trialState,
} from '@sweeps/db';
import { claimOrPostpone, DelayedError, type Job } from '@sweeps/queue';

/**
 * Claims the trial for `workerId` (null: nothing to run). An unreachable PostgreSQL postpones the job by about a
 * second and throws DelayedError (not a counted BullMQ attempt).
 */
export function claimTrialJob(
  db: Db,
  job: Job,
  token: string | undefined,
  trialId: string,
  workerId: string,
): Promise<TrialClaim | null> {
  return claimOrPostpone(job, token, () => claimTrial(db, trialId, workerId));
}

/**
 * Hands the trial back (its attempt not counted; waiting out a short database outage), then moves its job back to
 * waiting. A lost lock (no token) cannot move the job (the queue's stalled check does); an unreachable Redis is
 * waited for 5 s at most.
 */
export async function handBackTrialJob(
  db: Db,
  lease: TrialLease,
  job: Job,
  token: string | undefined,
): Promise<void> {
  await retryOnConnectionLoss(() => handBackTrial(db, lease), { forMs: 10_000 });
  if (token)
    await Promise.race([
      job.moveToWait(token).catch(() => {}),
      sleep(5_000, undefined, { ref: false }),
    ]);
}

/**
 * A paused trial promoted while its own job was still running here could not be enqueued (the job id was taken):
 * when PostgreSQL has it queued again, the same job runs again instead, now (throws DelayedError). Otherwise returns:
 * the job ends, and a later promotion enqueues the trial anew.
 */
export async function rerunIfPromoted(
  db: Db,
  trialId: string,
  job: Job,
  token: string | undefined,
): Promise<void> {
  const state = await trialState(db, trialId).catch(() => null);
  if (state !== 'queued' || !token) return;
  await job.moveToDelayed(Date.now(), token);
  throw new DelayedError(`trial ${trialId} was promoted at its rung while pausing: it resumes now`);
}
