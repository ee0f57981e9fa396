/** The worker factory: every worker of the trial queue uses the same lock settings. */
import { Worker, type Processor } from 'bullmq';
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
