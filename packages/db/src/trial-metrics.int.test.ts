/** Metrics per attempt: a retry never mixes attempts, earlier ones stay readable, the epochs counter agrees. */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { newSweepId, planSweep } from '@sweeps/core';
import { TEST_DATABASE_URL } from '../../../test/support/services.ts';
import { createDb } from './client.ts';
import { bestEpochCellResults } from './grid-reads.ts';
import { createSweep, retryFailedTrials } from './sweep-store.ts';
import { recordEpoch, sweepEpochsRun } from './trial-metrics.ts';
import { claimTrial, completeTrial, failTrial, getTrial, type TrialClaim } from './trial-store.ts';

const db = createDb(TEST_DATABASE_URL);
afterAll(() => db.$disconnect());

const spec = {
  name: 'attempts',
  metric: { name: 'bbox_mAP' },
  trainer: { kind: 'noop' },
  checkpoints: [{ name: 'a', uri: 'file:///a' }],
  space: { optimizer: { AdamW: { lr: [1e-3], weight_decay: [0] } } },
  fixed: { epochs: 4 },
};

async function oneTrial() {
  const sweepId = newSweepId(randomBytes(8).toString('hex'));
  const plan = planSweep(spec);
  const { trialIds } = await createSweep(db, sweepId, plan);
  return { sweepId, trialId: trialIds[0]! };
}

async function claim(trialId: string, workerId: string) {
  const c: TrialClaim | null = await claimTrial(db, trialId, workerId);
  if (c?.kind !== 'claimed') throw new Error(`expected a claim, got ${JSON.stringify(c)}`);
  return c.lease;
}

const curve = (t: { epochs: Array<Record<string, number>> }) =>
  t.epochs.map((e) => [e.epoch, e.bbox_mAP]);

describe('metrics per lease', () => {
  it('retry-failed: the view and the best-epoch grid show the new lease only, the failed one stays readable', async () => {
    const { sweepId, trialId } = await oneTrial();
    const first = await claim(trialId, 'w1');
    for (const [e, v] of [0.1, 0.9, 0.3, 0.2].entries())
      expect(await recordEpoch(db, first, e + 1, { bbox_mAP: v, loss: 1 })).toBe(true);
    await recordEpoch(db, first, 4, { bbox_mAP: 0.25 }); // a repeated epoch overwrites, counts once
    expect(await sweepEpochsRun(db, sweepId)).toBe(4);
    await failTrial(db, first, {
      error: 'diverged',
      reason: 'diverged',
      outputTail: '',
      final: true,
    });
    // until the new attempt records an epoch, reads keep showing the failed one's
    expect(await retryFailedTrials(db, sweepId)).toEqual([trialId]);
    expect(curve(await getTrial(db, sweepId, trialId))).toHaveLength(4);

    const second = await claim(trialId, 'w2');
    expect(await recordEpoch(db, second, 1, { bbox_mAP: 0.4 })).toBe(true);
    expect(await recordEpoch(db, second, 2, { bbox_mAP: 0.5 })).toBe(true);
    expect(await recordEpoch(db, first, 3, { bbox_mAP: 0.99 })).toBe(false); // fenced
    expect(await sweepEpochsRun(db, sweepId)).toBe(2);
    expect(await completeTrial(db, second, { finalMetric: 0.5, metrics: {} })).toBe(true);

    const t = await getTrial(db, sweepId, trialId);
    expect(curve(t)).toEqual([
      [1, 0.4],
      [2, 0.5],
    ]);
    expect(t.metricsLease).toBe(second.lease);
    expect(t.metricLeases.map((l) => [l.lease, l.epochs])).toEqual([
      [first.lease, 4],
      [second.lease, 2],
    ]);
    const earlier = await getTrial(db, sweepId, trialId, first.lease);
    expect(curve(earlier)).toEqual([
      [1, 0.1],
      [2, 0.9],
      [3, 0.3],
      [4, 0.25],
    ]);
    await expect(getTrial(db, sweepId, trialId, second.lease + 5)).rejects.toMatchObject({
      code: 'ATTEMPT_NOT_FOUND',
    });
    // the best epoch is the new attempt's 0.5, not the failed attempt's 0.9
    const best = await bestEpochCellResults(db, sweepId, 'bbox_mAP', 'maximize');
    expect(best.map((c) => c.mean)).toEqual([0.5]);
  });

  it('a resumed attempt continues the curve of the attempt it resumes; a fresh one starts empty', async () => {
    const { sweepId, trialId } = await oneTrial();
    const first = await claim(trialId, 'w1');
    for (const e of [1, 2, 3]) await recordEpoch(db, first, e, { bbox_mAP: e / 10 });
    // the worker was lost; the next attempt resumes from the snapshot of epoch 2
    const second = await claim(trialId, 'w2');
    expect(await recordEpoch(db, second, 3, { bbox_mAP: 0.35 }, { resumed: true })).toBe(true);
    expect(await recordEpoch(db, second, 4, { bbox_mAP: 0.45 }, { resumed: true })).toBe(true);
    expect(curve(await getTrial(db, sweepId, trialId))).toEqual([
      [1, 0.1],
      [2, 0.2],
      [3, 0.35],
      [4, 0.45],
    ]);
    expect(await sweepEpochsRun(db, sweepId)).toBe(4);
    // the lost attempt keeps its own three epochs
    expect(curve(await getTrial(db, sweepId, trialId, first.lease))).toEqual([
      [1, 0.1],
      [2, 0.2],
      [3, 0.3],
    ]);
    const third = await claim(trialId, 'w3');
    expect(await recordEpoch(db, third, 2, { bbox_mAP: 0.7 })).toBe(true);
    expect(curve(await getTrial(db, sweepId, trialId))).toEqual([[2, 0.7]]);
    expect(await sweepEpochsRun(db, sweepId)).toBe(1);
  });
});
