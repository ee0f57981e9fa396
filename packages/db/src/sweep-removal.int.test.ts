/**
 * Cancel and delete of a 10,000-trial sweep on PostgreSQL, in batches of at most SWEEP_BATCH trials per statement
 * (one 10,000-row transaction once timed out, answering 500 after 57 s), and a cancel stopped between its batches
 * finished by reconcile. Timings are in BENCHMARKS.md (`npm run bench:limits`), not asserted here.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { newSweepId, planSweep } from '@sweeps/core';
import { TEST_DATABASE_URL } from '../../../test/support/services.ts';
import { createDb } from './client.ts';
import {
  type CancelledTrials,
  cancelSweep,
  deleteSweep,
  finishCancelledSweeps,
  SWEEP_BATCH,
} from './sweep-removal.ts';
import { countsBySweep, createSweep } from './sweep-store.ts';
import { claimTrial } from './trial-store.ts';
import { recordEpoch } from './trial-metrics.ts';
import { registerWorker } from './worker-store.ts';

const db = createDb(TEST_DATABASE_URL);
afterAll(() => db.$disconnect());

/** A sweep of `lrs` x 100 weight decays on one checkpoint (100 lrs: 10,000 trials), all queued. */
async function bigSweep(lrs = 100) {
  const plan = planSweep(
    {
      name: 'ten-thousand',
      metric: { name: 'bbox_mAP' },
      trainer: { kind: 'noop' },
      checkpoints: [{ name: 'a', uri: 'x', baseline: true }],
      space: {
        optimizer: {
          SGD: {
            lr: Array.from({ length: lrs }, (_, i) => (i + 1) / 1000),
            weight_decay: Array.from({ length: 100 }, (_, i) => i / 10_000),
          },
        },
      },
      fixed: { epochs: 2 },
    },
    { maxTrials: 10_000 },
  );
  return createSweep(db, newSweepId(randomBytes(8).toString('hex')), plan);
}

const total = (b: CancelledTrials) => b.queued.length + b.running.length + b.paused.length;

describe('cancelling and deleting a 10,000-trial sweep', () => {
  it('cancels every trial in batches of at most 1,000, telling queued from running ones', async () => {
    const { sweepId, trialIds } = await bigSweep();
    expect(trialIds).toHaveLength(10_000);
    const worker = `w-${sweepId}`;
    await registerWorker(db, { id: worker, host: 'test', slots: 2, devices: [], pid: 1 });
    const running = [trialIds[17]!, trialIds[9_999]!];
    for (const id of running) {
      const claim = await claimTrial(db, id, worker);
      if (claim?.kind !== 'claimed') throw new Error('not claimed');
      await recordEpoch(db, claim.lease, 1, { bbox_mAP: 0.1 });
    }
    const batches: number[] = [];
    const cancelled = await cancelSweep(db, sweepId, { onBatch: (b) => batches.push(total(b)) });
    expect(cancelled.queued).toHaveLength(9_998);
    expect(new Set(cancelled.running)).toEqual(new Set(running));
    expect(Math.max(...batches)).toBeLessThanOrEqual(SWEEP_BATCH);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(10_000);
    expect((await countsBySweep(db, [sweepId])).get(sweepId)).toMatchObject({
      cancelled: 10_000,
      total: 10_000,
    });
    // a claim after the cancel is a no-op, and cancelling again finds nothing left
    expect(await claimTrial(db, trialIds[0]!, worker)).toBeNull();
    expect(total(await cancelSweep(db, sweepId))).toBe(0);

    expect(await deleteSweep(db, sweepId, { batch: 700 })).toBe(true);
    const [left] = await db.$queryRaw<Array<{ trials: number; metrics: number }>>`
      SELECT (SELECT count(*) FROM trials WHERE sweep_id = ${sweepId})::int AS trials,
             (SELECT count(*) FROM trial_metrics WHERE trial_id = ANY(${running}::text[]))::int AS metrics`;
    expect(left).toEqual({ trials: 0, metrics: 0 });
    expect(await deleteSweep(db, sweepId)).toBe(false);
    await expect(cancelSweep(db, sweepId)).rejects.toMatchObject({ code: 'SWEEP_NOT_FOUND' });
  });

  it('finishes a cancel that stopped between its batches (reconcile)', async () => {
    const { sweepId } = await bigSweep(30); // 3,000 trials
    // the API process dies after the first batch of 1,000
    await expect(
      cancelSweep(db, sweepId, {
        onBatch: () => {
          throw new Error('the API process stopped here');
        },
      }),
    ).rejects.toThrow(/stopped here/);
    expect((await countsBySweep(db, [sweepId])).get(sweepId)).toMatchObject({
      cancelled: 1_000,
      queued: 2_000,
    });
    expect(await finishCancelledSweeps(db)).toBeGreaterThanOrEqual(2_000);
    expect((await countsBySweep(db, [sweepId])).get(sweepId)).toMatchObject({
      cancelled: 3_000,
      queued: 0,
    });
    expect(await deleteSweep(db, sweepId)).toBe(true);
  });
});
