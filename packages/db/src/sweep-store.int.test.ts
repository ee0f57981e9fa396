import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildBestTable, newSweepId, planSweep } from '@sweeps/core';
import { TEST_DATABASE_URL } from '../../../test/support/services.ts';
import { createDb } from './client.ts';
import { cancelSweep } from './sweep-removal.ts';
import {
  countsBySweep,
  createSweep,
  extendSweep,
  getSweep,
  retryFailedTrials,
} from './sweep-store.ts';
import {
  claimTrial,
  completeTrial,
  failTrial,
  getTrial,
  listTrials,
  trialsToReconcile,
} from './trial-store.ts';
import { recordEpoch } from './trial-metrics.ts';
import { bestCellResults, gridCellResults } from './results.ts';
import { registerWorker } from './worker-store.ts';

const db = createDb(TEST_DATABASE_URL);
afterAll(() => db.$disconnect());
const study = () =>
  parse(
    readFileSync(new URL('../../core/src/fixtures/r50-study-demo.yaml', import.meta.url), 'utf8'),
  );
const freshId = () => newSweepId(randomBytes(8).toString('hex'));

describe('sweep store on PostgreSQL', () => {
  it('stores a sweep with every trial once, and an idempotency key returns the same sweep', async () => {
    const key = `idem-${randomBytes(4).toString('hex')}`;
    const plan = planSweep(study());
    const a = await createSweep(db, freshId(), plan, key);
    expect(a.created).toBe(true);
    expect(a.trialIds).toHaveLength(24);
    const b = await createSweep(db, freshId(), plan, key);
    expect(b).toEqual({ sweepId: a.sweepId, created: false, trialIds: [] });
    const counts = (await countsBySweep(db, [a.sweepId])).get(a.sweepId);
    expect(counts).toMatchObject({ queued: 24, total: 24 });
    const sweep = await getSweep(db, a.sweepId);
    expect(sweep.checkpoints.map((c) => c.name)).toEqual(['r50-base', 'r50-tnr']);
  });

  it('claims, records epochs idempotently, completes once, and aggregates in SQL', async () => {
    const { sweepId, trialIds } = await createSweep(db, freshId(), planSweep(study()));
    await registerWorker(db, { id: `w-${sweepId}`, host: 'test', slots: 1, devices: [], pid: 1 });
    const claim = await claimTrial(db, trialIds[0]!, `w-${sweepId}`);
    if (claim?.kind !== 'claimed') throw new Error('not claimed');
    const lease = claim.lease;
    expect(claim.run).toMatchObject({
      optimizer: 'SGD',
      params: { lr: 0.01 },
      checkpoint: { name: 'r50-base' },
      metricName: 'bbox_mAP',
    });
    await recordEpoch(db, lease, 1, { bbox_mAP: 0.1, loss: 2 });
    await recordEpoch(db, lease, 1, { bbox_mAP: 0.2, loss: Number.NaN });
    expect(
      await completeTrial(db, lease, {
        finalMetric: 0.2,
        metrics: { bbox_mAP: 0.2 },
      }),
    ).toBe(true);
    expect(
      await completeTrial(
        db,
        { ...lease, workerId: 'someone-else' },
        { finalMetric: 0.9, metrics: {} },
      ),
    ).toBe(false);
    const trial = await getTrial(db, sweepId, trialIds[0]!);
    expect(trial.epochs).toEqual([{ epoch: 1, bbox_mAP: 0.2, loss: 2 }]);
    expect(trial.finalMetric).toBe(0.2);
    const sweep = await getSweep(db, sweepId);
    const best = buildBestTable(
      sweep.checkpoints,
      await bestCellResults(db, sweepId, 'maximize'),
      'bbox_mAP',
      'maximize',
    );
    expect(best.rows[0]!.best?.mean).toBe(0.2);
    expect(best.rows[0]!.best?.params).toEqual({ lr: 0.01, weight_decay: 1e-5, momentum: 0.9 });
    expect(best.rows[1]!.outcome).toBe('nothing_succeeded');
    expect(await gridCellResults(db, sweepId, 'maximize')).toEqual([
      expect.objectContaining({
        checkpoint: 'r50-base',
        mean: 0.2,
        n: 1,
        params: { lr: 0.01, weight_decay: 1e-5 },
      }),
    ]);
  });

  it('fails, retries failed trials only, cancels, and extends without touching old trials', async () => {
    const { sweepId, trialIds } = await createSweep(db, freshId(), planSweep(study()));
    const w = `w-${sweepId}`;
    await registerWorker(db, { id: w, host: 'test', slots: 1, devices: [], pid: 1 });
    const a = await claimTrial(db, trialIds[0]!, w);
    if (a?.kind !== 'claimed') throw new Error('not claimed');
    await failTrial(db, a.lease, {
      error: 'boom',
      reason: 'failed',
      outputTail: 'last line',
      final: true,
    });
    const b = await claimTrial(db, trialIds[1]!, w);
    if (b?.kind !== 'claimed') throw new Error('not claimed');
    await completeTrial(db, b.lease, { finalMetric: 0.3, metrics: { bbox_mAP: 0.3 } });
    expect(await retryFailedTrials(db, sweepId)).toEqual([trialIds[0]]);

    const spec = study();
    spec.space.optimizer.AdamW.lr.push(4e-4);
    const added = await extendSweep(db, sweepId, planSweep(spec), [], 2);
    expect(added).toHaveLength(4);
    expect((await getTrial(db, sweepId, trialIds[1]!)).state).toBe('succeeded');

    const cancelled = await cancelSweep(db, sweepId);
    expect(cancelled.queued).toHaveLength(27);
    expect((await listTrials(db, { sweepId, state: 'cancelled', limit: 100 })).trials).toHaveLength(
      27,
    );
    expect(await claimTrial(db, trialIds[2]!, w)).toBeNull();
    await expect(retryFailedTrials(db, sweepId)).rejects.toMatchObject({
      code: 'SWEEP_CANCELLED',
    });
  });

  it('pages trials with a cursor and filters by checkpoint', async () => {
    const { sweepId } = await createSweep(db, freshId(), planSweep(study()));
    const first = await listTrials(db, { sweepId, checkpoint: 'r50-tnr', limit: 5 });
    expect(first.trials).toHaveLength(5);
    const rest = await listTrials(db, {
      sweepId,
      checkpoint: 'r50-tnr',
      limit: 50,
      cursor: first.nextCursor!,
    });
    expect(rest.trials).toHaveLength(7);
    expect(rest.nextCursor).toBeNull();
    expect(new Set([...first.trials, ...rest.trials].map((t) => t.checkpoint.name))).toEqual(
      new Set(['r50-tnr']),
    );
  });

  it('reconcile puts trials of dead workers back in the queue', async () => {
    const { sweepId, trialIds } = await createSweep(db, freshId(), planSweep(study()));
    await claimTrial(db, trialIds[0]!, 'a-worker-that-never-registered');
    const ids = (await trialsToReconcile(db, 30_000))
      .filter((t) => t.sweep_id === sweepId)
      .map((t) => t.id);
    expect(ids).toHaveLength(24);
    expect((await getTrial(db, sweepId, trialIds[0]!)).state).toBe('queued');
  });
});
