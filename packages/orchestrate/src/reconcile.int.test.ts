import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { newSweepId, planSweep } from '@sweeps/core';
import { createDb, createSweep } from '@sweeps/db';
import {
  createRedis,
  createTrialQueue,
  enqueueTrials,
  queueDepth,
  queueNames,
} from '@sweeps/queue';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from '../../../test/support/services.ts';
import { reconcileQueue } from './reconcile.ts';

const db = createDb(TEST_DATABASE_URL);
const redis = createRedis(TEST_REDIS_URL);
afterAll(async () => {
  await db.$disconnect();
  redis.disconnect();
});
const study = () =>
  parse(
    readFileSync(new URL('../../core/src/fixtures/r50-study-demo.yaml', import.meta.url), 'utf8'),
  );

describe('reconcile (PostgreSQL -> Redis)', () => {
  it('reconcile rebuilds the queue from PostgreSQL after Redis lost it', async () => {
    const names = queueNames(`t${randomBytes(4).toString('hex')}`);
    const queue = createTrialQueue(names, redis);
    const { sweepId, trialIds } = await createSweep(
      db,
      newSweepId(randomBytes(8).toString('hex')),
      planSweep(study()),
    );
    await enqueueTrials(
      queue,
      trialIds.map((trialId) => ({ trialId, sweepId })),
    );
    await queue.obliterate({ force: true }); // Redis forgets everything
    expect((await queueDepth(queue)).waiting).toBe(0);
    await reconcileQueue(db, queue);
    const waiting = await queue.getWaiting(0, 100000);
    const mine = waiting.filter((j) => j.data.sweepId === sweepId).map((j) => j.id);
    expect(new Set(mine)).toEqual(new Set(trialIds));
    await reconcileQueue(db, queue); // twice changes nothing
    expect(
      (await queue.getWaiting(0, 100000)).filter((j) => j.data.sweepId === sweepId),
    ).toHaveLength(24);
    await queue.obliterate({ force: true });
  });
});
