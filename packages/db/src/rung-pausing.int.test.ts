import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { newSweepId, planSweep } from '@sweeps/core';
import { TEST_DATABASE_URL } from '../../../test/support/services.ts';
import { createDb } from './client.ts';
import { recordRungValue, settlePausedTrials, trialRungs } from './rung-store.ts';
import { cancelSweep } from './sweep-removal.ts';
import { countsBySweep, createSweep, extendSweep, retryFailedTrials } from './sweep-store.ts';
import { recordEpoch } from './trial-metrics.ts';
import {
  claimTrial,
  completeTrial,
  failTrial,
  getTrial,
  listTrials,
  type TrialLease,
} from './trial-store.ts';
import { registerWorker } from './worker-store.ts';

// asha's promotion form (trainers that resume): trials wait `paused` at a rung until it decides them.
const db = createDb(TEST_DATABASE_URL);
const db2 = createDb(TEST_DATABASE_URL);
afterAll(() => Promise.all([db.$disconnect(), db2.$disconnect()]));

const pausingSpec = (lrs: number[]) => ({
  name: 'asha-pausing-int',
  metric: { name: 'bbox_mAP' },
  trainer: { kind: 'noop' },
  checkpoints: [
    { name: 'a', uri: 'x', baseline: true },
    { name: 'b', uri: 'y' },
  ],
  space: { optimizer: { SGD: { lr: lrs, weight_decay: [0] } } },
  fixed: { epochs: 3 },
  strategy: { kind: 'asha', min_epochs: 1, reduction_factor: 3 },
});

/** A sweep whose checkpoint `a` has one trial per lr (rung at epoch 1 of 3, factor 3), all claimed. */
async function pausingSweep(lrs: number[]) {
  const { sweepId } = await createSweep(
    db,
    newSweepId(randomBytes(8).toString('hex')),
    planSweep(pausingSpec(lrs)),
  );
  const workers = [`w1-${sweepId}`, `w2-${sweepId}`] as const;
  for (const id of workers)
    await registerWorker(db, { id, host: 'test', slots: 8, devices: [], pid: 1 });
  const list = await listTrials(db, { sweepId, checkpoint: 'a', limit: 100 });
  const trials: Array<{ id: string; w: string; lease: TrialLease }> = [];
  for (const [i, t] of list.trials.sort((x, y) => x.lr - y.lr).entries()) {
    const w = workers[i % 2]!;
    const c = await claimTrial(db, t.id, w);
    if (c?.kind !== 'claimed') throw new Error(`trial ${t.id} could not be claimed`);
    trials.push({ id: t.id, w, lease: c.lease });
  }
  const report = (i: number, value: number, on = db) =>
    recordRungValue(on, {
      trialId: trials[i]!.id,
      workerId: trials[i]!.w,
      epoch: 1,
      value,
      pause: true,
    });
  const state = async (i: number) => (await getTrial(db, sweepId, trials[i]!.id)).state;
  return { sweepId, trials, report, state };
}

describe('asha promotion form on PostgreSQL', () => {
  it('pauses the first trials at a rung, promotes as soon as they lead its top third, prunes once it is full', async () => {
    const { sweepId, trials, report, state } = await pausingSweep([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]);
    // 1st and 2nd value: no place yet (floor(n / 3) = 0): both wait, their attempts not counted
    expect(await report(0, 0.3)).toMatchObject({
      outcome: 'paused',
      promoted: false,
      requeued: [],
    });
    expect(await report(1, 0.5)).toMatchObject({ outcome: 'paused', requeued: [] });
    expect(await state(0)).toBe('paused');
    expect((await getTrial(db, sweepId, trials[0]!.id)).attempts).toBe(0);
    // 3rd value opens one place: the best so far (trial 1, paused) goes on and is queued again
    expect(await report(2, 0.4)).toMatchObject({
      outcome: 'paused',
      requeued: [{ trialId: trials[1]!.id, sweepId }],
    });
    expect(await state(1)).toBe('queued');
    // 4th: leads the rung and has its place at once: keeps running
    expect(await report(3, 0.6)).toMatchObject({ outcome: 'promoted', rank: 1, requeued: [] });
    expect(await state(3)).toBe('running');
    expect(await report(4, 0.1)).toMatchObject({ outcome: 'paused' });
    // every waiting trial's record says where it stands now (trial 0: 4th of the 5 values so far)
    expect(await trialRungs(db, trials[0]!.id)).toMatchObject([
      {
        outcome: 'paused',
        rank: 4,
        of: 5,
        reason: expect.stringMatching(/^rank 4 of 5 at epoch 1 so far/),
      },
    ]);
    // the last trial of the checkpoint reports: the rung is complete, 2 places (held by trials 3 and 1),
    // every other paused trial and the reporter itself are pruned
    expect(await report(5, 0.2)).toMatchObject({
      outcome: 'pruned',
      reason: 'rank 5 of 6 at epoch 1 (top 2 go on)',
      requeued: [],
    });
    expect(await Promise.all([0, 1, 2, 3, 4, 5].map(state))).toEqual([
      'pruned',
      'queued',
      'pruned',
      'running',
      'pruned',
      'pruned',
    ]);
    expect((await getTrial(db, sweepId, trials[0]!.id)).error).toBe(
      'pruned at epoch 1: rank 4 of 6 at epoch 1 (top 2 go on)',
    );
    expect(await trialRungs(db, trials[4]!.id)).toMatchObject([
      { outcome: 'pruned', rank: 6, of: 6, value: 0.1 },
    ]);
    // the promoted trial is claimed again with its snapshot to resume from, on attempt 1
    const again = await claimTrial(db, trials[1]!.id, 'w3');
    expect(again).toMatchObject({ kind: 'claimed', attempts: 1, resume: true });
    // the rung is decided already when it passes it again: promoted, nothing else changes
    expect(
      await recordRungValue(db, {
        trialId: trials[1]!.id,
        workerId: 'w3',
        epoch: 1,
        value: 0.5,
        pause: true,
      }),
    ).toMatchObject({ outcome: 'promoted', requeued: [] });
    const counts = (await countsBySweep(db, [sweepId])).get(sweepId);
    expect(counts).toMatchObject({ pruned: 4, running: 2, paused: 0 });
  });

  it('lets two workers completing a rung at once promote exactly its places, whichever commits first', async () => {
    for (let round = 0; round < 4; round++) {
      const { report, state } = await pausingSweep([0.1, 0.2, 0.3]);
      expect(await report(0, 0.5)).toMatchObject({ outcome: 'paused' });
      const [b, c] = await Promise.all([report(1, 0.4), report(2, 0.6, db2)]);
      // the rung holds one place of three and 0.6 takes it in either commit order: it goes on at once when it
      // completes the rung, or waits and is promoted (queued again) by 0.4's report; 0.5 and 0.4 are pruned
      expect(['paused', 'promoted']).toContain(c!.outcome);
      expect(['paused', 'pruned']).toContain(b!.outcome);
      const states = await Promise.all([0, 1, 2].map(state));
      expect(states.slice(0, 2)).toEqual(['pruned', 'pruned']);
      expect(c!.outcome === 'promoted' ? 'running' : 'queued').toBe(states[2]);
    }
  });

  it('lets a trial that fails before the rung complete it, and paused trials are never claimed or retried', async () => {
    const { sweepId, trials, report, state } = await pausingSweep([0.1, 0.2, 0.3]);
    await report(0, 0.5);
    await report(1, 0.4);
    expect(await claimTrial(db, trials[0]!.id, 'w3')).toBeNull(); // paused: nothing to claim
    expect(await retryFailedTrials(db, sweepId)).toEqual([]);
    await failTrial(db, trials[2]!.lease, {
      error: 'boom',
      reason: 'failed',
      outputTail: '',
      final: true,
    });
    // nothing decided until the rung is settled again (the worker does it after a final failure; reconcile too)
    expect(await state(0)).toBe('paused');
    expect(await settlePausedTrials(db, sweepId)).toEqual([{ trialId: trials[0]!.id, sweepId }]);
    expect(await Promise.all([0, 1, 2].map(state))).toEqual(['queued', 'pruned', 'failed']);
    expect(await settlePausedTrials(db, sweepId)).toEqual([]); // idempotent
    // the failed trial is retried: the rung is open again, the pruned one stays pruned
    expect(await retryFailedTrials(db, sweepId)).toEqual([trials[2]!.id]);
    expect(await state(1)).toBe('pruned');
  });

  it('answers a worker that reports a decided rung again with the recorded decision, and cancels paused trials', async () => {
    const { sweepId, trials, report, state } = await pausingSweep([0.1, 0.2, 0.3]);
    expect(await report(0, 0.5)).toMatchObject({ outcome: 'paused' });
    // the worker died after the decision and another asks: the same answer, nothing recorded twice
    expect(
      await recordRungValue(db, {
        trialId: trials[0]!.id,
        workerId: 'other',
        epoch: 1,
        value: 0.9,
        pause: true,
      }),
    ).toMatchObject({ outcome: 'paused', value: 0.5 });
    expect(await trialRungs(db, trials[0]!.id)).toHaveLength(1);
    const { running, paused } = await cancelSweep(db, sweepId);
    expect(paused).toEqual([trials[0]!.id]);
    expect(running).toHaveLength(2);
    expect(await state(0)).toBe('cancelled');
    expect(await settlePausedTrials(db, sweepId)).toEqual([]);
  });

  it('stores the epochs a paused trial finishes while it stops, and its result if it finished them all', async () => {
    const { sweepId, trials, report, state } = await pausingSweep([0.1, 0.2, 0.3]);
    const lease = trials[0]!.lease;
    await recordEpoch(db, lease, 1, { bbox_mAP: 0.5 });
    expect(await report(0, 0.5)).toMatchObject({ outcome: 'paused' });
    // the trainer ran on while it was being stopped: its epochs are the trial's, under the same lease
    expect(await recordEpoch(db, lease, 2, { bbox_mAP: 0.55 })).toBe(true);
    expect(await recordEpoch(db, lease, 3, { bbox_mAP: 0.6 })).toBe(true);
    expect(await completeTrial(db, lease, { finalMetric: 0.6, metrics: { bbox_mAP: 0.6 } })).toBe(
      true,
    );
    expect(await state(0)).toBe('succeeded');
    expect((await getTrial(db, sweepId, trials[0]!.id)).epochs).toHaveLength(3);
    expect(await trialRungs(db, trials[0]!.id)).toMatchObject([
      {
        outcome: 'promoted',
        reason: expect.stringMatching(/it finished its epochs before it could stop$/),
      },
    ]);
    // a stale lease writes nothing: trial 1 waits (2 values, rung open), then is promoted by the last report
    await report(1, 0.7);
    await report(2, 0.1);
    expect(await Promise.all([1, 2].map(state))).toEqual(['queued', 'pruned']);
    expect(await recordEpoch(db, trials[1]!.lease, 2, { bbox_mAP: 0.7 })).toBe(false);
    expect(await recordEpoch(db, trials[2]!.lease, 2, { bbox_mAP: 0.1 })).toBe(false);
    const again = await claimTrial(db, trials[1]!.id, 'w3');
    expect(again?.kind).toBe('claimed');
    expect(await recordEpoch(db, trials[1]!.lease, 2, { bbox_mAP: 0.7 })).toBe(false);
  });

  it('keeps an extended rung open until the new trials have reported there', async () => {
    const { sweepId, trials, report, state } = await pausingSweep([0.1, 0.2]);
    await report(0, 0.5);
    await extendSweep(db, sweepId, planSweep(pausingSpec([0.1, 0.2, 0.3, 0.4])), [], 2);
    // without the extension this report would complete the rung (one place: 0.5 would go on, 0.4 be pruned)
    expect(await report(1, 0.4)).toMatchObject({ outcome: 'paused', requeued: [] });
    expect(await Promise.all([0, 1].map(state))).toEqual(['paused', 'paused']);
    const added = (await listTrials(db, { sweepId, checkpoint: 'a', limit: 10 })).trials.filter(
      (t) => !trials.some((x) => x.id === t.id),
    );
    expect(added).toHaveLength(2);
    const values = [0.45, 0.1];
    const decided = [];
    for (const [i, t] of added.entries()) {
      const c = await claimTrial(db, t.id, 'w3');
      if (c?.kind !== 'claimed') throw new Error('not claimed');
      decided.push(
        await recordRungValue(db, {
          trialId: t.id,
          workerId: 'w3',
          epoch: 1,
          value: values[i]!,
          pause: true,
        }),
      );
    }
    // 0.45 is the 3rd value: its one place goes to 0.5 (queued again); the 4th completes the rung: one place
    expect(decided[0]).toMatchObject({
      outcome: 'paused',
      requeued: [{ trialId: trials[0]!.id, sweepId }],
    });
    expect(decided[1]).toMatchObject({ outcome: 'pruned' });
    expect(await Promise.all([0, 1].map(state))).toEqual(['queued', 'pruned']);
    expect((await getTrial(db, sweepId, added[0]!.id)).state).toBe('pruned');
  });
});
