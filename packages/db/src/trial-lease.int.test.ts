/** Claims and leases: a poison trial stops after max_attempts, a stale attempt cannot write, a restart settles. */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { newSweepId, planSweep } from '@sweeps/core';
import { TEST_DATABASE_URL } from '../../../test/support/services.ts';
import { createDb } from './client.ts';
import { createSweep } from './sweep-store.ts';
import {
  claimTrial,
  completeTrial,
  failTrial,
  getTrial,
  handBackTrial,
  settleTrialsOfPreviousLife,
  type TrialClaim,
} from './trial-store.ts';
import { recordEpoch } from './trial-metrics.ts';

const db = createDb(TEST_DATABASE_URL);
afterAll(() => db.$disconnect());

const spec = (maxAttempts: number) => ({
  name: 'lease',
  metric: { name: 'bbox_mAP' },
  trainer: { kind: 'noop' },
  checkpoints: [{ name: 'a', uri: 'file:///a' }],
  space: { optimizer: { AdamW: { lr: [1e-3], weight_decay: [0] } } },
  max_attempts: maxAttempts,
});

async function oneTrial(maxAttempts = 3) {
  const sweepId = newSweepId(randomBytes(8).toString('hex'));
  const { trialIds } = await createSweep(db, sweepId, planSweep(spec(maxAttempts)));
  return { sweepId, trialId: trialIds[0]! };
}

function claimed(c: TrialClaim | null) {
  if (c?.kind !== 'claimed') throw new Error(`expected a claim, got ${JSON.stringify(c)}`);
  return c;
}

describe('trial claims and leases', () => {
  it('fails a trial whose workers died during each of its max_attempts, instead of running it again', async () => {
    const { sweepId, trialId } = await oneTrial(2);
    claimed(await claimTrial(db, trialId, 'w1')); // the worker dies: the trial stays running
    claimed(await claimTrial(db, trialId, 'w2')); // stalled job taken by another worker, which dies too
    const third = await claimTrial(db, trialId, 'w3');
    expect(third).toMatchObject({ kind: 'exhausted', attempts: 2 });
    const t = await getTrial(db, sweepId, trialId);
    expect(t.state).toBe('failed');
    expect(t.error).toMatch(/^gave up after 2 attempts/);
    expect(await claimTrial(db, trialId, 'w4')).toBeNull();
  });

  it('resumes a trial handed back (its attempt given back) from what its earlier run left, on any worker', async () => {
    const { trialId } = await oneTrial(3);
    const first = claimed(await claimTrial(db, trialId, 'w1'));
    expect(first.resume).toBe(false); // a first run: nothing to resume from
    expect(await handBackTrial(db, first.lease)).toBe(true);
    const second = claimed(await claimTrial(db, trialId, 'w2'));
    expect(second.attempts).toBe(1); // the hand-back did not count
    expect(second.resume).toBe(true);
  });

  it('fences every write to the attempt that holds the lease', async () => {
    const { sweepId, trialId } = await oneTrial();
    const stale = claimed(await claimTrial(db, trialId, 'w1')).lease;
    expect(await recordEpoch(db, stale, 1, { bbox_mAP: 0.1 })).toBe(true);
    // The same worker (another slot) claims again, e.g. after its job was taken back while it was stopped.
    const fresh = claimed(await claimTrial(db, trialId, 'w1')).lease;
    expect(fresh.lease).toBe(stale.lease + 1);
    expect(await recordEpoch(db, stale, 2, { bbox_mAP: 0.9 })).toBe(false);
    expect(await recordEpoch(db, stale, 3, {})).toBe(false);
    expect(await completeTrial(db, stale, { finalMetric: 0.9, metrics: {} })).toBe(false);
    expect(
      await failTrial(db, stale, { error: 'x', reason: 'failed', outputTail: '', final: true }),
    ).toBe(false);
    expect(await handBackTrial(db, stale)).toBe(false);
    expect(await recordEpoch(db, fresh, 2, { bbox_mAP: 0.2 })).toBe(true);
    expect(await completeTrial(db, fresh, { finalMetric: 0.2, metrics: {} })).toBe(true);
    const t = await getTrial(db, sweepId, trialId);
    expect(t).toMatchObject({ state: 'succeeded', finalMetric: 0.2, attempts: 2 });
    // each attempt keeps its own epochs: the view shows the fresh one's, the stale one's stay readable
    expect(t.epochs).toEqual([{ epoch: 2, bbox_mAP: 0.2 }]);
    expect(t.metricLeases.map((l) => [l.lease, l.epochs])).toEqual([
      [stale.lease, 1],
      [fresh.lease, 1],
    ]);
    expect((await getTrial(db, sweepId, trialId, stale.lease)).epochs).toEqual([
      { epoch: 1, bbox_mAP: 0.1 },
    ]);
  });

  it("settles the trials a worker's previous life left running, and revokes their leases", async () => {
    const { sweepId, trialId } = await oneTrial();
    const workerId = `w-${randomBytes(4).toString('hex')}`;
    const old = claimed(await claimTrial(db, trialId, workerId)).lease;
    expect(await settleTrialsOfPreviousLife(db, workerId)).toBe(1);
    expect((await getTrial(db, sweepId, trialId)).state).toBe('queued');
    expect(await completeTrial(db, old, { finalMetric: 1, metrics: {} })).toBe(false);
    expect(claimed(await claimTrial(db, trialId, workerId)).attempts).toBe(2);
  });

  // Its time is a benchmark's figure, not asserted here; the quadratic read this once was (136-150 s) would run far
  // past the test's timeout.
  it('reads a trial with 20,000 metric values in one epoch, in order', async () => {
    const { sweepId, trialId } = await oneTrial();
    await db.$executeRaw`
      INSERT INTO trial_metrics (trial_id, lease, epoch, name, value)
      SELECT ${trialId}, 0, 1, 'm' || i, i FROM generate_series(1, 20000) i`;
    await db.$executeRaw`
      INSERT INTO trial_metrics (trial_id, lease, epoch, name, value) VALUES (${trialId}, 0, 2, 'loss', 0.5)`;
    await db.$executeRaw`
      INSERT INTO trial_progress (trial_id, sweep_id, metrics_lease, epochs_run)
      VALUES (${trialId}, ${sweepId}, 0, 2)`;
    const t = await getTrial(db, sweepId, trialId);
    expect(t.epochs).toHaveLength(2);
    expect(Object.keys(t.epochs[0]!)).toHaveLength(20_001);
    expect(Object.keys(t.epochs[0]!)[0]).toBe('epoch');
    expect(t.epochs[0]!.m12345).toBe(12345);
    expect(t.epochs[1]).toEqual({ epoch: 2, loss: 0.5 });
    expect(t.epochsTruncated).toBe(false);
  });
});
