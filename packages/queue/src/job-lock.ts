/**
 * A job's lock as BullMQ keeps it (`<prefix>:<queue>:<job id>:lock`, holding the token of the worker that runs the
 * job, with an expiry its lock renewals push forward). A worker reads it to know how long it may keep running a
 * job: once the lock runs out, the queue gives the job to another worker.
 */
import type { Redis } from 'ioredis';
import type { QueueNames } from './names.ts';

/** The key of a job's lock. */
export function jobLockKey(names: QueueNames, jobId: string): string {
  return `${names.prefix}:${names.trials}:${jobId}:lock`;
}

/** A job's lock as read: its holder (null: no lock), milliseconds left (0 when none), and whether the job exists. */
export interface JobLock {
  token: string | null;
  ttlMs: number;
  /** False when Redis holds no such job at all (it lost its data): then no other worker can be given it. */
  jobExists: boolean;
}

export async function readJobLock(
  redis: Redis,
  names: QueueNames,
  jobId: string,
): Promise<JobLock> {
  const key = jobLockKey(names, jobId);
  const replies = await redis
    .multi()
    .get(key)
    .pttl(key)
    .exists(`${names.prefix}:${names.trials}:${jobId}`)
    .exec();
  if (!replies) throw new Error('the lock read was aborted');
  for (const [err] of replies) if (err) throw err;
  const token = replies[0]![1] as string | null;
  const ttl = Number(replies[1]![1]);
  return { token, ttlMs: token !== null && ttl > 0 ? ttl : 0, jobExists: replies[2]![1] === 1 };
}
