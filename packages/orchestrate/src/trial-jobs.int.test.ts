/** A worker's moves of its trial's job that follow PostgreSQL, and the trial log view over both stores. */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { newSweepId, planSweep } from '@sweeps/core';
import { claimTrial, createDb, createSweep, failTrial, getTrial, registerWorker } from '@sweeps/db';
import {
  appendTrialLog,
  createRedis,
  createTrialQueue,
  createTrialWorker,
  DelayedError,
  enqueueTrials,
  type Job,
  queueNames,
  WaitingError,
} from '@sweeps/queue';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from '../../../test/support/services.ts';
import { claimTrialJob, handBackTrialJob, rerunIfPromoted } from './trial-job-moves.ts';
import { readTrialOutput } from './trial-output.ts';

const db = createDb(TEST_DATABASE_URL);
const redis = createRedis(TEST_REDIS_URL);
afterAll(async () => {
  await db.$disconnect();
  redis.disconnect();
});

const hex = () => randomBytes(4).toString('hex');

/** A one-trial sweep and a worker registered to run it. */
async function oneTrial() {
  const spec = {
    name: 'orchestrate-jobs',
    metric: { name: 'bbox_mAP' },
    trainer: { kind: 'noop' },
    checkpoints: [{ name: 'a', uri: 'x', baseline: true }],
    space: { optimizer: { SGD: { lr: [0.1], weight_decay: [0] } } },
    fixed: { epochs: 1 },
  };
  const { sweepId, trialIds } = await createSweep(db, newSweepId(hex() + hex()), planSweep(spec));
  const workerId = `w-${sweepId}`;
  await registerWorker(db, { id: workerId, host: 'test', slots: 1, devices: [], pid: 1 });
  return { sweepId, trialId: trialIds[0]!, workerId };
}

/**
 * Runs the trial's job on a BullMQ worker: `first` on its first run, then resolves with what its second run saw
 * of the trial in PostgreSQL (the job came back).
 */
async function runTwice(
  trial: { sweepId: string; trialId: string },
  first: (job: Job, token: string | undefined) => Promise<unknown>,
) {
  const names = queueNames(`t${hex()}`);
  const queue = createTrialQueue(names, redis);
  const runs: Array<'first' | 'second'> = [];
  let seen: (trial: Awaited<ReturnType<typeof getTrial>>) => void = () => {};
  const second = new Promise<Awaited<ReturnType<typeof getTrial>>>((r) => {
    seen = r;
  });
  const worker = createTrialWorker(names, createRedis(TEST_REDIS_URL), 1, async (job, token) => {
    if (runs.push(runs.length === 0 ? 'first' : 'second') === 1) return first(job, token);
    seen(await getTrial(db, trial.sweepId, trial.trialId));
  });
  await enqueueTrials(queue, [trial]);
  const again = await second;
  await worker.close();
  await queue.obliterate({ force: true });
  return { again, runs };
}

describe("a worker's moves of its trial's job", () => {
  it('a hand-back queues the trial again without counting the attempt, and its job comes back', async () => {
    const trial = await oneTrial();
    let claimedAttempts = 0;
    const { again, runs } = await runTwice(trial, async (job, token) => {
      const claim = await claimTrialJob(db, job, token, trial.trialId, trial.workerId);
      if (claim?.kind !== 'claimed') throw new Error('not claimed');
      claimedAttempts = claim.attempts;
      await handBackTrialJob(db, claim.lease, job, token);
      throw new WaitingError();
    });
    expect(claimedAttempts).toBe(1);
    expect(runs).toEqual(['first', 'second']);
    expect(again).toMatchObject({ state: 'queued', attempts: 0 });
  });

  it('a trial promoted while its own job ran runs again at once; one still running does not', async () => {
    const trial = await oneTrial();
    let whileRunning: unknown = 'not asked';
    const { again, runs } = await runTwice(trial, async (job, token) => {
      const claim = await claimTrialJob(db, job, token, trial.trialId, trial.workerId);
      if (claim?.kind !== 'claimed') throw new Error('not claimed');
      whileRunning = await rerunIfPromoted(db, trial.trialId, job, token);
      // as a rung decision that promotes a paused trial leaves it
      await db.$executeRaw`UPDATE trials SET state = 'queued', worker_id = NULL WHERE id = ${trial.trialId}`;
      const rerun = await rerunIfPromoted(db, trial.trialId, job, token).catch((e: unknown) => e);
      expect(rerun).toBeInstanceOf(DelayedError); // the job was moved: BullMQ must leave it
      throw rerun;
    });
    expect(whileRunning).toBeUndefined(); // returned: the job simply ends
    expect(runs).toEqual(['first', 'second']);
    expect(again.state).toBe('queued');
  });
});

describe("a trial's output", () => {
  it('is the live lines in Redis, else the tail PostgreSQL kept; null for a trial not there', async () => {
    const { sweepId, trialId, workerId } = await oneTrial();
    const names = queueNames(`t${hex()}`);
    const stores = { db, redis, names };
    expect(await readTrialOutput(stores, 'tr_n0ne', 10)).toBeNull();
    expect(await readTrialOutput(stores, trialId, 10, 'sw_0ther')).toBeNull();
    expect(await readTrialOutput(stores, trialId, 10, sweepId)).toEqual({
      trialId,
      sweepId,
      state: 'queued',
      running: true,
      total: 0,
      lines: [],
    });
    await appendTrialLog(redis, names, trialId, ['epoch 1', 'epoch 2', 'epoch 3']);
    expect(await readTrialOutput(stores, trialId, 2)).toMatchObject({
      total: 3,
      lines: ['epoch 2', 'epoch 3'],
    });
    // the live view has expired (another queue prefix has none); a failed trial's last lines remain
    const claim = await claimTrial(db, trialId, workerId);
    if (claim?.kind !== 'claimed') throw new Error('not claimed');
    await failTrial(db, claim.lease, {
      error: 'boom',
      reason: 'failed',
      outputTail: 'a\nb\nc',
      final: true,
    });
    const expired = { db, redis, names: queueNames(`t${hex()}`) };
    expect(await readTrialOutput(expired, trialId, 2)).toEqual({
      trialId,
      sweepId,
      state: 'failed',
      running: false,
      total: 2,
      lines: ['b', 'c'],
    });
  });
});
