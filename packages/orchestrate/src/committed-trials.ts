/**
 * Trials whose rows PostgreSQL has committed as queued get their jobs in Redis. Redis is the copy: when it does not
 * take them in time, nothing is lost, and the reconcile loop (every SWEEPS_RECONCILE_MS) enqueues them once it
 * answers.
 */
import { enqueueTrials, type Queue, type TrialJob } from '@sweeps/queue';
import { withDeadline } from './deadline.ts';

/** Bound on enqueueing one request's trials (10,000 trials take about 1 s on a healthy Redis). */
export const ENQUEUE_DEADLINE_MS = 15_000;

/** Enqueues committed trials; false when Redis did not take them within {@link ENQUEUE_DEADLINE_MS}. */
export async function enqueueCommitted(queue: Queue<TrialJob>, jobs: TrialJob[]): Promise<boolean> {
  if (!jobs.length) return true;
  try {
    await withDeadline('Redis', enqueueTrials(queue, jobs), ENQUEUE_DEADLINE_MS);
    return true;
  } catch {
    return false;
  }
}
