/**
 * What an in-process API test (`buildApp`) runs over: the test PostgreSQL and Redis, and a trial queue under a
 * prefix of its own (`name` plus random hex), so tests never see each other's jobs on the shared Redis.
 */
import { randomBytes } from 'node:crypto';
import { createDb } from '@sweeps/db';
import { createRedis, createTrialQueue, queueNames } from '@sweeps/queue';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from './services.ts';

export function apiTestServices(name: string) {
  const db = createDb(TEST_DATABASE_URL);
  const redis = createRedis(TEST_REDIS_URL);
  const names = queueNames(`${name}${randomBytes(3).toString('hex')}`);
  const queue = createTrialQueue(names, redis);
  return {
    /** The API's dependencies as `buildApp` takes them. */
    deps: { db, redis, queue, names, maxTrials: 100, workerLostMs: 30_000 },
    /** Removes the queue's jobs and closes every connection (after the app is closed). */
    async close(): Promise<void> {
      await queue.obliterate({ force: true });
      await queue.close();
      redis.disconnect();
      await db.$disconnect();
    },
  };
}
