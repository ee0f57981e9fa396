import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { newSweepId, planSweep } from '@sweeps/core';
import {
  claimTrial,
  createDb,
  createSweep,
  listTrials,
  readTrialMetrics,
  recordRungValue,
  registerWorker,
  trialRungs,
} from '@sweeps/db';
import { TEST_DATABASE_URL } from '../../../test/support/services.ts';
import { EpochNotStored } from './abort-reasons.ts';
import { epochStore, trialEpochReports } from './epoch-reports.ts';

const db = createDb(TEST_DATABASE_URL);
afterAll(() => db.$disconnect());

/** An asha sweep whose trials run 9 epochs with rungs at epochs 1 and 3; one trial claimed by a new worker. */
async function claimedAshaTrial() {
  const { sweepId } = await createSweep(
    db,
    newSweepId(randomBytes(8).toString('hex')),
    planSweep({
      name: 'epoch-order',
      metric: { name: 'bbox_mAP' },
      trainer: { kind: 'noop' },
      checkpoints: [{ name: 'a', uri: 'x', baseline: true }],
      space: { optimizer: { SGD: { lr: [0.1], weight_decay: [0] } } },
      fixed: { epochs: 9 },
      strategy: { kind: 'asha', min_epochs: 1, reduction_factor: 3 },
    }),
  );
  const workerId = `w-${sweepId}`;
  await registerWorker(db, { id: workerId, host: 'test', slots: 1, devices: [], pid: 1 });
  const [trial] = (await listTrials(db, { sweepId, limit: 10 })).trials;
  const claim = await claimTrial(db, trial!.id, workerId);
  if (claim?.kind !== 'claimed') throw new Error('the trial could not be claimed');
  return { trialId: trial!.id, workerId, lease: claim.lease, plan: claim.plan };
}

describe("a trial's epoch reports", () => {
  it('are stored and decided one epoch at a time, in order, when the trainer does not wait', async () => {
    const trial = await claimedAshaTrial();
    const controller = new AbortController();
    // What each epoch's store saw when it started: the rungs already decided for this trial.
    const seen: Array<{ epoch: number; decided: number[] }> = [];
    const report = trialEpochReports(
      trial.plan,
      trial,
      controller,
      async (epoch) => {
        seen.push({ epoch, decided: (await trialRungs(db, trial.trialId)).map((r) => r.epoch) });
      },
      { pause: false, decide: (rung) => recordRungValue(db, rung) },
    );
    // As the tfjs trainer reports: each stdout line at once, nothing awaited until the process exits.
    await Promise.all([1, 2, 3, 4].map((e) => report(e, { bbox_mAP: e / 10 })));
    expect(controller.signal.aborted).toBe(false);
    expect(seen).toEqual([
      { epoch: 1, decided: [] },
      { epoch: 2, decided: [1] }, // epoch 1's rung decision was taken before epoch 2 was handled
      { epoch: 3, decided: [1] },
      { epoch: 4, decided: [1, 3] },
    ]);
    // each rung judged with the value of the epoch that reached it, not a later one
    const rungs = await trialRungs(db, trial.trialId);
    expect(rungs.map((r) => [r.epoch, r.value, r.promoted])).toEqual([
      [1, 0.1, true],
      [3, 0.3, true],
    ]);
  });
});

describe("the worker's epoch cap", () => {
  it('stops a trial reporting an epoch beyond it with a readable reason, keeping the epochs stored before', async () => {
    const { lease } = await claimedAshaTrial();
    const controller = new AbortController();
    const logged: string[] = [];
    const store = epochStore(
      { db, log: (l) => logged.push(l), maxEpochsPerTrial: 3 },
      lease,
      controller,
      false,
    );
    for (const epoch of [1, 2, 3]) await store(epoch, { bbox_mAP: epoch / 10, loss: 1 / epoch });
    expect(controller.signal.aborted).toBe(false);
    await store(4, { bbox_mAP: 0.4, loss: 0.25 });
    expect(controller.signal.aborted).toBe(true);
    const reason = controller.signal.reason as EpochNotStored;
    expect(reason).toBeInstanceOf(EpochNotStored);
    expect(reason.permanent).toBe(true); // recorded as failed ('invalid'), not retried
    expect(reason.message).toBe(
      'the trainer reported epoch 4: this worker keeps at most 3 epochs per trial (SWEEPS_MAX_EPOCHS_PER_TRIAL), so the trial was stopped; its earlier epochs are kept',
    );
    await store(5, { bbox_mAP: 0.5 }); // a trainer that goes on reporting: nothing more is written
    const stored = await readTrialMetrics(db, lease.trialId);
    expect(stored.epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
    expect(stored.epochs[2]).toMatchObject({ bbox_mAP: 0.3 });
  });
});
