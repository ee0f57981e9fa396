/**
 * Reads of a running sweep over the real PostgreSQL (issue 27): 50 concurrent readers of the sweep view, grid and
 * best table cost one computation per read interval, a trial that finishes shows once the interval has passed,
 * and the caller's own cancel (and, with the grid tally following events, its extend) shows at its next read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeTrial, createApiKey, recordEpoch } from '@sweeps/db';
import { apiTestServices } from '../../../test/support/api-services.ts';
import { queuedSweep } from '../../../test/support/queued-sweep.ts';
import { TEST_DATABASE_URL } from '../../../test/support/services.ts';
import { buildApp } from './app.ts';
import { talliesOf } from './services/grid-tally.ts';
import { readsOf } from './services/interval-reads.ts';

const services = apiTestServices('reads');
const { db } = services.deps;
/** One app whose interval outlasts the test (what is shared is counted, not timed); one with a short one. */
const longDeps = { ...services.deps, readIntervalMs: 1000 * 60 * 60 };
const shortDeps = { ...services.deps, readIntervalMs: 50 };
/** An app with an event hub, whose grid tally follows the sweeps' events (the API as main.ts builds it). */
const followedDeps = { ...services.deps, readIntervalMs: 1000 * 60 * 60 };
let long: Awaited<ReturnType<typeof buildApp>>;
let short: Awaited<ReturnType<typeof buildApp>>;
let followed: Awaited<ReturnType<typeof buildApp>>;
let key = '';

beforeAll(async () => {
  long = await buildApp(longDeps, { logLevel: 'silent', rateLimitPerMin: 100_000 });
  short = await buildApp(shortDeps, { logLevel: 'silent', rateLimitPerMin: 100_000 });
  followed = await buildApp(followedDeps, {
    logLevel: 'silent',
    rateLimitPerMin: 100_000,
    databaseUrl: TEST_DATABASE_URL,
  });
  key = (await createApiKey(db, 'admin', 'read-interval-test')).key;
});
afterAll(async () => {
  await long.close();
  await short.close();
  await followed.close();
  await services.close();
});

/** A sweep of 8 trials (no confirm stage), one claimed by a worker and past its first epoch. */
async function runningSweep() {
  const { sweepId, claim } = await queuedSweep(db, 'read-interval');
  const lease = await claim(0);
  await recordEpoch(db, lease, 1, { bbox_mAP: 0.1 });
  const finish = () => completeTrial(db, lease, { finalMetric: 0.5, metrics: { bbox_mAP: 0.5 } });
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

  it("with the grid tally following events, a read after the caller's own extend or cancel reflects it", async () => {
    const { sweepId } = await runningSweep();
    const tallies = talliesOf(followedDeps);
    await expect.poll(() => tallies.isFollowing, { timeout: 10_000 }).toBe(true);
    type Cell = { total: number; running: number; cancelled: number };
    const cells = async (): Promise<Cell[]> =>
      (await read(followed, `${sweepId}/grid`)).matrices.flatMap((m: { gridCells: Cell[][] }) =>
        m.gridCells.flat(),
      );
    const sum = (all: Cell[], field: keyof Cell) => all.reduce((n, c) => n + c[field], 0);
    expect(sum(await cells(), 'total')).toBe(8);
    const loads = tallies.loads;
    const call = (path: string, payload?: object) =>
      followed.inject({
        method: 'POST',
        url: `/api/v1/sweeps/${sweepId}/${path}`,
        headers: { authorization: `Bearer ${key}` },
        ...(payload ? { payload } : {}),
      });
    const extended = await call('extend', { seeds: [1] });
    expect(extended.statusCode, extended.body).toBe(200);
    expect(extended.json().addedTrials).toBeGreaterThan(0);
    // the next read, at once: not the grid kept for the interval (an hour), nor a tally that waits for events
    expect(sum(await cells(), 'total')).toBe(8 + extended.json().addedTrials);
    const cancelled = await call('cancel');
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    const after = await cells();
    expect(sum(after, 'running')).toBe(0);
    expect(sum(after, 'cancelled')).toBe(8 + extended.json().addedTrials);
    expect(tallies.loads).toBeGreaterThan(loads); // each write made the tally read the sweep again
  });
});
