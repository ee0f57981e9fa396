import type { Redis } from 'ioredis';
import type { Db } from '@sweeps/db';
import type { Queue, QueueNames, TrialJob } from '@sweeps/queue';

/** What every service function needs; built once in main.ts (or by a test). */
export interface ApiDeps {
  db: Db;
  redis: Redis;
  queue: Queue<TrialJob>;
  names: QueueNames;
  maxTrials: number;
  workerStaleMs: number;
}
