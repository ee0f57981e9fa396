/** The two stores, and the names of the trial queue in Redis: what the operations of this package work across. */
import type { Db } from '@sweeps/db';
import type { Queue, QueueNames, Redis, TrialJob } from '@sweeps/queue';

export interface Stores {
  db: Db;
  redis: Redis;
  queue: Queue<TrialJob>;
  names: QueueNames;
}
