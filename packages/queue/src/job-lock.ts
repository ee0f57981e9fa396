/**
 * A job's lock as BullMQ keeps it (`<prefix>:<queue>:<job id>:lock`, holding the token of the worker that runs the
 * job, with an expiry its lock renewals push forward). A worker reads it to know how long it may keep running a
 * job: once the lock runs out, the queue gives the job to another worker.
 */
import type { Redis } from 'ioredis';
import type { QueueNames } from './names.ts';

export function jobLockKey(names: QueueNames, jobId: string): string {
  return `${names.prefix}:${names.trials}:${jobId}:lock`;
}

/** The lock's holder (null: no lock) and how many milliseconds it has left (0 when none). */
export async function readJobLock(
  redis: Redis,
  names: QueueNames,
  jobId: string,
): Promise<{ token: string | null; ttlMs: number }> {
  const key = jobLockKey(names, jobId);
  const replies = await redis.multi().get(key).pttl(key).exec();
  if (!replies) throw new Error('the lock read was aborted');
  for (const [err] of replies) if (err) throw err;
  const token = replies[0]![1] as string | null;
  const ttl = Number(replies[1]![1]);
  return { token, ttlMs: token !== null && ttl > 0 ? ttl : 0 };
}
