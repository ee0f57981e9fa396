/**
 * Reads of a running sweep over the real PostgreSQL (issue 27): 50 concurrent readers of the sweep view, grid and
 * best table cost one computation per read interval, a trial that finishes shows once the interval has passed,
 * and the caller's own cancel shows at its next read.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newSweepId, planSweep } from '@sweeps/core';
import {
  claimTrial,
  completeTrial,
  createApiKey,
  createSweep,
  listTrials,
  recordEpoch,
  registerWorker,
} from '@sweeps/db';
import { confirmSweepSpec } from '../../../test/fixtures/confirm-sweep.ts';
import { apiTestServices } from '../../../test/support/api-services.ts';
import { buildApp } from './app.ts';
import { readsOf } from './services/interval-reads.ts';

const services = apiTestServices('reads');
const { db } = services.deps;
/** One app whose interval outlasts the test (what is shared is counted, not timed); one with a short one. */
const longDeps = { ...services.deps, readIntervalMs: 1000 * 60 * 60 };
const shortDeps = { ...services.deps, readIntervalMs: 50 };
let long: Awaited<ReturnType<typeof buildApp>>;
let short: Awaited<ReturnType<typeof buildApp>>;
let key = '';

beforeAll(async () => {
  long = await buildApp(longDeps, { logLevel: 'silent', rateLimitPerMin: 100_000 });
  short = await buildApp(shortDeps, { logLevel: 'silent', rateLimitPerMin: 100_000 });
  key = (await createApiKey(db, 'admin', 'read-interval-test')).key;
});
afterAll(async () => {
  await long.close();
  await short.close();
  await services.close();
});

/** A sweep of 8 trials (no confirm stage), one claimed by a worker and past its first epoch. */
async function runningSweep() {
  const plan = planSweep(confirmSweepSpec({ name: 'read-interval', confirm: undefined }));
  const { sweepId } = await createSweep(db, newSweepId(randomBytes(8).toString('hex')), plan);
  const workerId = `w-${sweepId}`;
  await registerWorker(db, { id: workerId, host: 'test', slots: 8, devices: [], pid: 1 });
  const { trials } = await listTrials(db, { sweepId, state: 'queued', limit: 100 });
  const c = await claimTrial(db, trials[0]!.id, workerId);
  if (c?.kind !== 'claimed') throw new Error('the trial could not be claimed');
  await recordEpoch(db, c.lease, 1, { bbox_mAP: 0.1 });
  const finish = () => completeTrial(db, c.lease, { finalMetric: 0.5, metrics: { bbox_mAP: 0.5 } });
  return { sweepId, finish };
}

type App = typeof long;
async function read(app: App, path: string) {
  const r = await app.inject({
    method: 'GET',
    url: `/api/v1/sweeps/${path}`,
    headers: { authorization: `Bearer ${key}` },
  });
  expect(r.statusCode, r.body).toBe(200);
  return r.json();
}

/** Cancelled trials over every grid cell of the sweep's grid. */
async function cancelledInGrid(sweepId: string): Promise<number> {
  const grid = await read(long, `${sweepId}/grid`);
  return grid.matrices
    .flatMap((m: { gridCells: Array<Array<{ cancelled: number }>> }) => m.gridCells.flat())
    .reduce((sum: number, c: { cancelled: number }) => sum + c.cancelled, 0);
}

const VIEWS = ['sweep', 'grid', 'best'] as const;
const pathOf = (sweepId: string, view: (typeof VIEWS)[number]) =>
  view === 'sweep' ? sweepId : `${sweepId}/${view}`;

describe('reads of a running sweep', () => {
  it('50 concurrent readers of each view cause one computation per interval; a finished trial waits for it', async () => {
    const { sweepId, finish } = await runningSweep();
    const reads = readsOf(longDeps);
    const before = VIEWS.map((v) => reads.computations(v));
    for (let round = 0; round < 3; round++) {
      const bodies = await Promise.all(
        VIEWS.flatMap((v) => Array.from({ length: 50 }, () => read(long, pathOf(sweepId, v)))),
      );
      expect(bodies.filter((b) => b.counts).map((b) => b.counts.running)).toEqual(
        Array(50).fill(1),
      );
      if (round === 0) await finish(); // the sweep changes: within the interval, readers still share
    }
    expect(VIEWS.map((v) => reads.computations(v) - before[VIEWS.indexOf(v)]!)).toEqual([1, 1, 1]);
    // the same change, read through an app with a short interval: it shows once the interval has passed
    await expect
      .poll(async () => (await read(short, sweepId)).counts.succeeded, { timeout: 10_000 })
      .toBe(1);
  });

  it("a read after the caller's own cancel reflects it, and costs one computation", async () => {
    const { sweepId } = await runningSweep();
    const reads = readsOf(longDeps);
    expect((await read(long, sweepId)).counts).toMatchObject({ queued: 7, running: 1 });
    expect(await cancelledInGrid(sweepId)).toBe(0);
    const computed = reads.computations('sweep');
    const cancel = await long.inject({
      method: 'POST',
      url: `/api/v1/sweeps/${sweepId}/cancel`,
      headers: { authorization: `Bearer ${key}` },
    });
    expect(cancel.statusCode, cancel.body).toBe(200);
    const after = await Promise.all(Array.from({ length: 50 }, () => read(long, sweepId)));
    for (const s of after) expect(s.counts).toMatchObject({ queued: 0, running: 0, cancelled: 8 });
    expect(reads.computations('sweep') - computed).toBe(1);
    expect(await cancelledInGrid(sweepId)).toBe(8);
  });
});
