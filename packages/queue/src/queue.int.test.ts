import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_REDIS_URL } from '../../../test/support/services.ts';
import { createRedis } from './connection.ts';
import { claimOrPostpone, createTrialWorker } from './consumer.ts';
import { queueNames } from './names.ts';
import { createTrialQueue, enqueueTrials, queueDepth, removeTrialJobs } from './producer.ts';
import { removeWaitingJobs } from './remove-jobs.ts';

const redis = createRedis(TEST_REDIS_URL);
afterAll(() => {
  redis.disconnect();
});

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
    await new Promise((resolve) => worker.once('completed', resolve)); // the one job ran
    const counts = await queue.getJobCounts('waiting', 'active', 'delayed');
    await worker.close();
    expect(seen).toEqual(['tr_00aa']);
    // nothing is left that could run it a second time (completed jobs are removed)
    expect(counts).toEqual({ waiting: 0, active: 0, delayed: 0 });
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

describe('removing jobs in bulk', () => {
  it("removes one sweep's waiting and delayed jobs in one pass, keeping the others in order", async () => {
    const names = queueNames(`t${randomBytes(4).toString('hex')}`);
    const queue = createTrialQueue(names, redis);
    const ids = (p: string, n: number) =>
      Array.from({ length: n }, (_, i) => `tr_${p}${i.toString(16).padStart(5, '0')}`);
    const mine = ids('aa', 3_000);
    const older = ids('bb', 1_000);
    const newer = ids('cc', 2_000);
    await enqueueTrials(
      queue,
      older.map((trialId) => ({ trialId, sweepId: 'sw_bb' })),
    );
    await enqueueTrials(
      queue,
      mine.map((trialId) => ({ trialId, sweepId: 'sw_aa' })),
    );
    await enqueueTrials(
      queue,
      newer.map((trialId) => ({ trialId, sweepId: 'sw_cc' })),
    );
    // one of mine waits for its backoff (delayed), as a job whose claim was postponed does
    await queue.add(
      'trial',
      { trialId: 'tr_aadelay', sweepId: 'sw_aa' },
      {
        jobId: 'tr_aadelay',
        delay: 60_000,
      },
    );
    const waitBefore = await redis.lrange(queue.toKey('wait'), 0, -1);
    const n = await removeWaitingJobs(queue, [...mine, 'tr_aadelay', 'tr_unknown']);
    expect(n).toBe(3_001);
    expect(await redis.lrange(queue.toKey('wait'), 0, -1)).toEqual(
      waitBefore.filter((id) => !id.startsWith('tr_aa')),
    );
    expect(await queue.getJobCounts('waiting', 'delayed')).toEqual({ waiting: 3_000, delayed: 0 });
    expect(await queue.getJob(mine[5]!)).toBeUndefined();
    expect(await redis.exists(queue.toKey(mine[5]!))).toBe(0);
    // the others still run, oldest first
    const seen: string[] = [];
    const worker = createTrialWorker(names, createRedis(TEST_REDIS_URL), 1, async (j) => {
      seen.push(j.data.trialId);
    });
    await new Promise<void>((resolve) => {
      worker.on('completed', () => {
        if (seen.length === 3_000) resolve();
      });
    });
    await worker.close();
    expect(seen).toEqual([...older, ...newer]);
    await queue.obliterate({ force: true });
  });
});
