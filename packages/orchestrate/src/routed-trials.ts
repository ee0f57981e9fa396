/**
 * Routing by capability, the worker's move: a trial it claimed but would refuse, while another live worker accepts
 * it, goes back to queued in PostgreSQL without counting the attempt (a hand-back), and its job waits a short delay
 * in Redis so that another worker takes it. Throws DelayedError (BullMQ counts no attempt either).
 */
import { type Db, handBackTrial, retryOnConnectionLoss, type TrialLease } from '@sweeps/db';
import { type Job, postponeJob } from '@sweeps/queue';

export async function routeTrialJobAway(
  db: Db,
  lease: TrialLease,
  job: Job,
  token: string | undefined,
  delayMs: number,
  why: string,
): Promise<never> {
  await retryOnConnectionLoss(() => handBackTrial(db, lease), { forMs: 10_000 });
  return postponeJob(job, token, delayMs, why);
}
