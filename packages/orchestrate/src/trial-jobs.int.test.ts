/** A worker's moves of its trial's job that follow PostgreSQL, and the trial log view over both stores. */
import { describe, expect, it } from 'vitest';
import { getTrial } from '@sweeps/db';
import {
  appendTrialLog,
  createRedis,
  createTrialWorker,
  DelayedError,
  enqueueTrials,
  type Job,
  queueNames,
  WaitingError,
} from '@sweeps/queue';
import { TEST_REDIS_URL } from '../../../test/support/services.ts';
import {
  claimed,
  failForGood,
  freshQueue,
  hex,
  noopSweepSpec,
  storedSweep,
  testStores,
} from './testing/stores.ts';
import { claimTrialJob, handBackTrialJob, rerunIfPromoted } from './trial-job-moves.ts';
import { readTrialOutput } from './trial-output.ts';

const { db, redis } = testStores();

/** A one-trial sweep (not claimed yet) and the worker registered to run it. */
async function oneTrial() {
  const spec = noopSweepSpec('orchestrate-jobs', { lrs: [0.1] });
  const { sweepId, workerId, trialIds } = await storedSweep(db, spec);
  return { sweepId, trialId: trialIds[0]!, workerId };
}

type TrialView = Awaited<ReturnType<typeof getTrial>>;

/**
 * Runs the trial's job on a BullMQ worker: `first` on its first run; resolves, once the job came back and ran a
 * second time, with what that run saw of the trial in PostgreSQL.
 */
async function runTwice(
  trial: { sweepId: string; trialId: string },
  first: (job: Job, token: string | undefined) => Promise<unknown>,
) {
  const { names, queue } = freshQueue(redis);
  const runs: Array<'first' | 'second'> = [];
  let seen: (trial: TrialView) => void = () => {};
  const second = new Promise<TrialView>((r) => {
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
    const stores = { db, redis, names: queueNames(`t${hex()}`) };
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
    await appendTrialLog(redis, stores.names, trialId, ['epoch 1', 'epoch 2', 'epoch 3']);
    expect(await readTrialOutput(stores, trialId, 2)).toMatchObject({
      total: 3,
      lines: ['epoch 2', 'epoch 3'],
    });
    // the live view has expired (another queue prefix has none); a failed trial's last lines remain
    await failForGood(db, await claimed(db, trialId, workerId), 'a\nb\nc');
    const expired = { ...stores, names: queueNames(`t${hex()}`) };
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
