import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_REDIS_URL } from '../../../test/support/services.ts';
import { waitFor } from '../../../test/support/wait-for.ts';
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

  it('a claim that cannot reach PostgreSQL postpones its job, never counting an attempt, and runs it once it can', async () => {
    const names = queueNames(`t${randomBytes(4).toString('hex')}`);
    const queue = createTrialQueue(names, redis);
    await enqueueTrials(queue, [{ trialId: 'tr_0c1a', sweepId: 'sw_0c1a' }]);
    const OUTAGE_CLAIMS = 4; // more than one: a counted attempt would make each later wait longer
    const attemptsMadeAtClaims: number[] = [];
    const ran: string[] = [];
    const worker = createTrialWorker(names, createRedis(TEST_REDIS_URL), 1, async (job, token) => {
      await claimOrPostpone(
        job,
        token,
        async () => {
          attemptsMadeAtClaims.push(job.attemptsMade);
          if (attemptsMadeAtClaims.length <= OUTAGE_CLAIMS)
            throw new Error("Can't reach database server");
        },
        100,
      );
      ran.push(job.data.trialId);
    });
    await waitFor('the trial to run after the outage', async () => ran.length > 0, 30_000, 50);
    await worker.close();
    expect(ran).toEqual(['tr_0c1a']);
    expect(attemptsMadeAtClaims).toEqual(Array(OUTAGE_CLAIMS + 1).fill(0));
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
