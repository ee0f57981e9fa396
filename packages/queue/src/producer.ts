/** Putting trials on the queue and taking them off. The job id is the trial id: adding one twice is a no-op. */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { QueueNames } from './names.ts';
import type { CancelMessage, TrialJob } from './payload.ts';
import { removeWaitingJobs } from './remove-jobs.ts';

export function createTrialQueue(names: QueueNames, connection: Redis): Queue<TrialJob> {
  return new Queue<TrialJob>(names.trials, {
    connection,
    prefix: names.prefix,
    defaultJobOptions: {
      // Retries are decided by the worker from the attempt count in PostgreSQL; BullMQ only supplies the backoff.
      attempts: 1000,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: true,
      removeOnFail: true,
    },
  });
}

const CHUNK = 5000;

/**
 * Enqueues trials; ids already waiting, delayed or active in Redis are left as they are. `front`: at the head of
 * the queue, taken before trials enqueued earlier (asha's promoted trials, as the published algorithm promotes
 * before it starts new trials).
 */
export async function enqueueTrials(
  queue: Queue<TrialJob>,
  trials: TrialJob[],
  options: { front?: boolean } = {},
): Promise<void> {
  for (let i = 0; i < trials.length; i += CHUNK) {
    await queue.addBulk(
      trials.slice(i, i + CHUNK).map((t) => ({
        name: 'trial',
        data: t,
        opts: { jobId: t.trialId, ...(options.front ? { lifo: true } : {}) },
      })),
    );
  }
}

/**
 * Removes waiting jobs (cancelled trials) in bulk, one pass over the wait list per 1,000 ids (see
 * `remove-jobs.ts`); active ones are stopped through the cancel channel.
 */
export async function removeTrialJobs(queue: Queue<TrialJob>, trialIds: string[]): Promise<void> {
  await removeWaitingJobs(queue, trialIds);
}

/** Tells every worker to stop these running trials now. */
export async function publishCancel(
  redis: Redis,
  channel: string,
  message: CancelMessage,
): Promise<void> {
  await redis.publish(channel, JSON.stringify(message));
}

/** Jobs by state, for /metrics and status. */
export async function queueDepth(queue: Queue<TrialJob>): Promise<Record<string, number>> {
  return queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
}
