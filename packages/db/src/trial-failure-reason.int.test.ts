/** A failure's one-word reason is stored with its error text, and goes when the error goes. */
import { randomBytes } from 'node:crypto';
import { newSweepId, planSweep } from '@sweeps/core';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL } from '../../../test/support/services.ts';
import { createDb } from './client.ts';
import { createSweep, retryFailedTrials } from './sweep-store.ts';
import { claimTrial, completeTrial, failTrial, getTrial, type TrialClaim } from './trial-store.ts';

const db = createDb(TEST_DATABASE_URL);
afterAll(() => db.$disconnect());

async function twoTrials(maxAttempts = 3) {
  const sweepId = newSweepId(randomBytes(8).toString('hex'));
  const { trialIds } = await createSweep(
    db,
    sweepId,
    planSweep({
      name: 'reason',
      metric: { name: 'bbox_mAP' },
      trainer: { kind: 'noop' },
      checkpoints: [{ name: 'a', uri: 'file:///a' }],
      space: { optimizer: { AdamW: { lr: [1e-3, 1], weight_decay: [0] } } },
      max_attempts: maxAttempts,
    }),
  );
  return { sweepId, trialIds: trialIds as [string, string] };
}

function leaseOf(c: TrialClaim | null) {
  if (c?.kind !== 'claimed') throw new Error(`expected a claim, got ${JSON.stringify(c)}`);
  return c.lease;
}

describe("a trial's failure reason", () => {
  it('is stored with a transient failure and cleared with its error when the retry succeeds', async () => {
    const { sweepId, trialIds } = await twoTrials();
    const [id] = trialIds;
    const first = leaseOf(await claimTrial(db, id, 'w1'));
    await failTrial(db, first, {
      error: 'oom: CUDA out of memory',
      reason: 'oom',
      outputTail: '',
      final: false,
    });
    expect(await getTrial(db, sweepId, id)).toMatchObject({ state: 'queued', reason: 'oom' });
    const second = leaseOf(await claimTrial(db, id, 'w1'));
    expect(await completeTrial(db, second, { finalMetric: 0.3, metrics: { bbox_mAP: 0.3 } })).toBe(
      true,
    );
    expect(await getTrial(db, sweepId, id)).toMatchObject({
      state: 'succeeded',
      error: null,
      reason: null,
    });
  });

  it('is stored with a final failure and cleared when the user retries the failed trials', async () => {
    const { sweepId, trialIds } = await twoTrials();
    const [, id] = trialIds;
    const lease = leaseOf(await claimTrial(db, id, 'w1'));
    const error = 'loss diverged at epoch 1, iteration 3 (loss NaN; lr 1.00e+0 too high?)';
    await failTrial(db, lease, { error, reason: 'diverged', outputTail: '', final: true });
    expect(await getTrial(db, sweepId, id)).toMatchObject({
      state: 'failed',
      error,
      reason: 'diverged',
    });
    expect(await retryFailedTrials(db, sweepId)).toEqual([id]);
    expect(await getTrial(db, sweepId, id)).toMatchObject({
      state: 'queued',
      error: null,
      reason: null,
    });
  });

  it('is lost when every attempt lost its worker', async () => {
    const { sweepId, trialIds } = await twoTrials(1);
    const [id] = trialIds;
    leaseOf(await claimTrial(db, id, 'w1')); // the worker dies: the trial stays running
    expect(await claimTrial(db, id, 'w2')).toMatchObject({ kind: 'exhausted' });
    expect(await getTrial(db, sweepId, id)).toMatchObject({ state: 'failed', reason: 'lost' });
  });
});
