import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { newSweepId, planSweep } from '@sweeps/core';
import { createDb, createSweep } from '@sweeps/db';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from '../../../test/support/services.ts';
import { createRedis } from './connection.ts';
import { claimOrPostpone, createTrialWorker } from './consumer.ts';
import { queueNames } from './names.ts';
import { createTrialQueue, enqueueTrials, queueDepth, removeTrialJobs } from './producer.ts';
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

describe('trial queue on Redis', () => {
  it('runs a trial enqueued twice once', async () => {
    const names = queueNames(`t${randomBytes(4).toString('hex')}`);
    const queue = createTrialQueue(names, redis);
    const job = { trialId: 'tr_00aa', sweepId: 'sw_00bb' };
    await enqueueTrials(queue, [job, job]);
    await enqueueTrials(queue, [job]);
    expect((await queueDepth(queue)).waiting).toBe(1);
    const seen: string[] = [];
    const worker = createTrialWorker(names, createRedis(TEST_REDIS_URL), 4, async (j) => {
      seen.push(j.data.trialId);
    });
    await new Promise((r) => setTimeout(r, 500));
    await worker.close();
    expect(seen).toEqual(['tr_00aa']);
    await queue.obliterate({ force: true });
  });

  it('removes waiting jobs of cancelled trials', async () => {
    const names = queueNames(`t${randomBytes(4).toString('hex')}`);
    const queue = createTrialQueue(names, redis);
    await enqueueTrials(queue, [
      { trialId: 'tr_01', sweepId: 'sw_01' },
      { trialId: 'tr_02', sweepId: 'sw_01' },
    ]);
    await removeTrialJobs(queue, ['tr_01']);
    expect((await queueDepth(queue)).waiting).toBe(1);
    await queue.obliterate({ force: true });
  });

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

  it('a claim that cannot reach PostgreSQL postpones its job by about a second, never counting an attempt', async () => {
    const names = queueNames(`t${randomBytes(4).toString('hex')}`);
    const queue = createTrialQueue(names, redis);
    await enqueueTrials(queue, [{ trialId: 'tr_0c1a', sweepId: 'sw_0c1a' }]);
    let outageUntil = Date.now() + 6_000; // longer than several exponential backoffs would allow
    const claims: number[] = [];
    let ranAt = 0;
    let attemptsMade = -1;
    const worker = createTrialWorker(names, createRedis(TEST_REDIS_URL), 1, async (job, token) => {
      await claimOrPostpone(
        job,
        token,
        async () => {
          claims.push(Date.now());
          if (Date.now() < outageUntil) throw new Error("Can't reach database server");
        },
        300,
      );
      ranAt = Date.now();
      attemptsMade = job.attemptsMade;
    });
    await new Promise((r) => setTimeout(r, 6_000));
    outageUntil = 0;
    const recovered = Date.now();
    for (let i = 0; i < 50 && !ranAt; i++) await new Promise((r) => setTimeout(r, 100));
    await worker.close();
    expect(ranAt).toBeGreaterThan(0);
    expect(ranAt - recovered).toBeLessThan(1_500);
    expect(attemptsMade).toBe(0);
    expect(claims.length).toBeGreaterThan(5);
    expect(claims.length).toBeLessThan(25); // the slot waits between claims: no busy loop
    await queue.obliterate({ force: true });
  });
});
