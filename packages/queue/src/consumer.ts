/** The worker factory: every worker of the trial queue uses the same lock settings. */
import { DelayedError, Worker, type Job, type Processor } from 'bullmq';
import type { Redis } from 'ioredis';
import { LOCK_SETTINGS, type QueueNames } from './names.ts';
import type { TrialJob } from './payload.ts';

export function createTrialWorker(
  names: QueueNames,
  connection: Redis,
  concurrency: number,
  processor: Processor<TrialJob>,
): Worker<TrialJob> {
  return new Worker<TrialJob>(names.trials, processor, {
    connection,
    prefix: names.prefix,
    concurrency,
    ...LOCK_SETTINGS,
    autorun: true,
  });
}

/** How long a job waits after its claim could not reach PostgreSQL (plus up to half as much jitter). */
export const CLAIM_RETRY_MS = 1_000;

/**
 * Runs a trial's claim; when the claim throws (PostgreSQL unreachable), the job is put back, delayed by about
 * CLAIM_RETRY_MS, without counting a BullMQ attempt, so trials start within seconds of PostgreSQL's recovery
 * however long the outage was (a counted attempt would back off exponentially: 37 s after a 90 s outage).
 * The slot waits out the delay first, so a worker makes at most one claim per slot and second during an outage.
 */
export async function claimOrPostpone<T>(
  job: Job,
  token: string | undefined,
  claim: () => Promise<T>,
  retryMs = CLAIM_RETRY_MS,
): Promise<T> {
  try {
    return await claim();
  } catch (err) {
    if (!token) throw err;
    await new Promise((r) => setTimeout(r, retryMs));
    await job.moveToDelayed(Date.now() + retryMs / 2 + Math.random() * retryMs, token);
    throw new DelayedError(`claim postponed: ${(err as Error).message.split('\n').at(-1)}`);
  }
}

/**
 * Puts the job this worker holds back for `delayMs` (a trial routed away: another worker accepts it) and throws
 * DelayedError, so BullMQ counts no attempt and any worker may take it once the delay is over.
 */
export async function postponeJob(
  job: Job,
  token: string | undefined,
  delayMs: number,
  why: string,
): Promise<never> {
  if (token) await job.moveToDelayed(Date.now() + delayMs, token);
  throw new DelayedError(why);
}
