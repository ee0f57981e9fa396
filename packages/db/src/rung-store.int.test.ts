import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { newSweepId, planSweep } from '@sweeps/core';
import { TEST_DATABASE_URL } from '../../../test/support/services.ts';
import { createDb } from './client.ts';
import { recordRungValue, trialRungs } from './rung-store.ts';
import { countsBySweep, createSweep, extendSweep, retryFailedTrials } from './sweep-store.ts';
import { claimTrial, failTrial, getTrial, listTrials, type TrialLease } from './trial-store.ts';
import { recordEpoch, sweepEpochsRun } from './trial-metrics.ts';
import { registerWorker } from './worker-store.ts';

// Two pools: two workers' connections, so the race below really runs two transactions at once.
const db = createDb(TEST_DATABASE_URL);
const db2 = createDb(TEST_DATABASE_URL);
afterAll(() => Promise.all([db.$disconnect(), db2.$disconnect()]));

const spec = (lrs: number[], extra: object = {}) => ({
  name: 'asha-int',
  metric: { name: 'bbox_mAP' },
  trainer: { kind: 'noop' },
  checkpoints: [
    { name: 'a', uri: 'x', baseline: true },
    { name: 'b', uri: 'y' },
  ],
  space: { optimizer: { SGD: { lr: lrs, weight_decay: [0] } } },
  fixed: { epochs: 3 },
  strategy: { kind: 'asha', min_epochs: 1, reduction_factor: 3 },
  ...extra,
});

/** A sweep with its trials of checkpoint `a` in lr order, each claimed by worker `w1` or `w2` alternately. */
async function asha(lrs: number[], extra: object = {}) {
  const { sweepId } = await createSweep(
    db,
    newSweepId(randomBytes(8).toString('hex')),
    planSweep(spec(lrs, extra)),
  );
  const workers = [`w1-${sweepId}`, `w2-${sweepId}`] as const;
  for (const id of workers)
    await registerWorker(db, { id, host: 'test', slots: 4, devices: [], pid: 1 });
  const list = await listTrials(db, { sweepId, checkpoint: 'a', limit: 100 });
  const trials = list.trials.sort((x, y) => x.lr - y.lr);
  const leases: TrialLease[] = [];
  for (const [i, t] of trials.entries()) {
    const c = await claimTrial(db, t.id, workers[i % 2]!);
    if (c?.kind !== 'claimed') throw new Error(`trial ${t.id} could not be claimed`);
    leases.push(c.lease);
  }
  return {
    sweepId,
    workers,
    trials: trials.map((t, i) => ({ id: t.id, w: workers[i % 2]!, lease: leases[i]! })),
  };
}

describe('asha rungs on PostgreSQL', () => {
  it('lets only one of two workers racing for the last place at a rung take it', async () => {
    for (let round = 0; round < 4; round++) {
      const { trials } = await asha([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]);
      // epoch 1 is the first rung: all 7 trials of checkpoint a report there, so it has 2 places from the start;
      // five values recorded: 0.9 and the first 0.1 hold them, the later 0.1s rank below them (a tie goes to the
      // value recorded first) and are pruned
      const early = [];
      for (const [i, v] of [0.9, 0.1, 0.1, 0.1, 0.1].entries())
        early.push(
          await recordRungValue(db, {
            trialId: trials[i]!.id,
            workerId: trials[i]!.w,
            epoch: 1,
            value: v,
          }),
        );
      expect(early.map((d) => `${d!.promoted} ${d!.rank}/${d!.places}`)).toEqual([
        'true 1/2',
        'true 2/2',
        'false 3/2',
        'false 4/2',
        'false 5/2',
      ]);
      const [x, y] = [trials[5]!, trials[6]!];
      const decisions = await Promise.all([
        recordRungValue(db, { trialId: x.id, workerId: x.w, epoch: 1, value: 0.8 }),
        recordRungValue(db2, { trialId: y.id, workerId: y.w, epoch: 1, value: 0.8 }),
      ]);
      expect(decisions.map((d) => d!.promoted).sort()).toEqual([false, true]);
      expect(decisions.map((d) => d!.of).sort()).toEqual([6, 7]);
      const loser = decisions[0]!.promoted ? y : x;
      const t = await getTrial(
        db,
        (await db.trial.findUniqueOrThrow({ where: { id: loser.id } })).sweepId,
        loser.id,
      );
      expect(t.state).toBe('pruned');
      expect(t.error).toBe('pruned at epoch 1: rank 3 of 7 at epoch 1 (top 2 go on)');
    }
  });

  it('replays a decision already taken, and a pruned trial is never claimed or retried again', async () => {
    const { sweepId, trials } = await asha([0.1, 0.2, 0.3]);
    const [a, b] = [trials[0]!, trials[1]!];
    const first = await recordRungValue(db, { trialId: a.id, workerId: a.w, epoch: 1, value: 0.5 });
    expect(first).toMatchObject({ promoted: true, rank: 1, of: 1 });
    await recordEpoch(db, b.lease, 1, { bbox_mAP: 0.2 });
    const pruned = await recordRungValue(db, {
      trialId: b.id,
      workerId: b.w,
      epoch: 1,
      value: 0.2,
    });
    expect(pruned).toMatchObject({ promoted: false, rank: 2, of: 2 });
    // the worker died after the decision: whoever reports the rung again gets the same answer
    expect(
      await recordRungValue(db, { trialId: b.id, workerId: 'another', epoch: 1, value: 0.99 }),
    ).toMatchObject({ promoted: false, rank: 2, value: 0.2 });
    expect(await trialRungs(db, b.id)).toHaveLength(1);
    expect(await claimTrial(db, b.id, a.w)).toBeNull();
    // a failed trial is retried, the pruned one stays pruned
    const c = trials[2]!;
    await failTrial(db, c.lease, { error: 'boom', reason: 'failed', outputTail: '', final: true });
    expect(await retryFailedTrials(db, sweepId)).toEqual([c.id]);
    expect((await getTrial(db, sweepId, b.id)).state).toBe('pruned');
    const counts = (await countsBySweep(db, [sweepId])).get(sweepId);
    expect(counts).toMatchObject({ pruned: 1, failed: 0, total: 6 });
    expect(await sweepEpochsRun(db, sweepId)).toBe(1);
  });

  it('keeps a confirm seed and other checkpoints out of the ranking, and extended cells join it', async () => {
    const { sweepId, trials } = await asha([0.1, 0.2, 0.3]);
    for (const [i, v] of [0.3, 0.5, 0.4].entries())
      await recordRungValue(db, {
        trialId: trials[i]!.id,
        workerId: trials[i]!.w,
        epoch: 1,
        value: v,
      });
    const other = (await listTrials(db, { sweepId, checkpoint: 'b', limit: 10 })).trials[0]!;
    await claimTrial(db, other.id, trials[0]!.w);
    expect(
      await recordRungValue(db, {
        trialId: other.id,
        workerId: trials[0]!.w,
        epoch: 1,
        value: 0.01,
      }),
    ).toMatchObject({ promoted: true, of: 1 });
    const plan = planSweep(spec([0.1, 0.2, 0.3, 0.4]));
    const added = await extendSweep(db, sweepId, plan, [], 3);
    expect(added).toHaveLength(2);
    const newA = (await listTrials(db, { sweepId, checkpoint: 'a', lr: 0.4, limit: 10 }))
      .trials[0]!;
    await claimTrial(db, newA.id, trials[0]!.w);
    expect(
      await recordRungValue(db, {
        trialId: newA.id,
        workerId: trials[0]!.w,
        epoch: 1,
        value: 0.45,
      }),
    ).toMatchObject({ promoted: false, rank: 2, of: 4 });
  });
});
