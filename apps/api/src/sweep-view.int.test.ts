/** GET /api/v1/sweeps/:id over the real PostgreSQL: what its epoch figures and phase say around a confirm stage. */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newSweepId, planSweep } from '@sweeps/core';
import {
  addConfirmTrials,
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

const services = apiTestServices('view');
// these tests write to PostgreSQL directly and read at once: no read interval (read-interval.int.test.ts has it)
const deps = { ...services.deps, readIntervalMs: 0 };
const { db } = deps;
let app: Awaited<ReturnType<typeof buildApp>>;
let key = '';

beforeAll(async () => {
  app = await buildApp(deps, { logLevel: 'silent', rateLimitPerMin: 1000 });
  key = (await createApiKey(db, 'read', 'sweep-view-test')).key;
});
afterAll(async () => {
  await app.close();
  await services.close();
});

/** 4 SGD cells x checkpoints a and b x seed 0, 3 epochs; the top 2 cells of each confirmed with seeds 7 and 8. */
async function confirmSweep() {
  const plan = planSweep(confirmSweepSpec({ name: 'sweep-view' }));
  const { sweepId } = await createSweep(db, newSweepId(randomBytes(8).toString('hex')), plan);
  const workerId = `w-${sweepId}`;
  await registerWorker(db, { id: workerId, host: 'test', slots: 8, devices: [], pid: 1 });
  return { sweepId, workerId };
}

/** Runs every queued trial of the sweep to the end: 3 epochs, final value its lr. */
async function runQueued(sweepId: string, workerId: string) {
  const { trials } = await listTrials(db, { sweepId, state: 'queued', limit: 100 });
  for (const t of trials) {
    const c = await claimTrial(db, t.id, workerId);
    if (c?.kind !== 'claimed') throw new Error(`trial ${t.id} could not be claimed`);
    for (const e of [1, 2, 3]) await recordEpoch(db, c.lease, e, { bbox_mAP: (t.lr * e) / 3 });
    await completeTrial(db, c.lease, { finalMetric: t.lr, metrics: { bbox_mAP: t.lr } });
  }
  return trials;
}

async function view(sweepId: string) {
  const r = await app.inject({
    method: 'GET',
    url: `/api/v1/sweeps/${sweepId}`,
    headers: { authorization: `Bearer ${key}` },
  });
  expect(r.statusCode, r.body).toBe(200);
  return r.json();
}

describe('a sweep with a confirm stage', () => {
  it("stays running until its confirm trials are added; counts the grid's cost without them", async () => {
    const { sweepId, workerId } = await confirmSweep();
    const grid = await runQueued(sweepId, workerId);
    // every trial has finished, but the confirm trials are not added yet: the sweep is not finished
    const between = await view(sweepId);
    expect(between).toMatchObject({ phase: 'running', counts: { succeeded: 8, total: 8 } });
    const listed = await app.inject({
      method: 'GET',
      url: '/api/v1/sweeps?limit=100',
      headers: { authorization: `Bearer ${key}` },
    });
    expect(listed.json().sweeps.find((s: { id: string }) => s.id === sweepId).phase).toBe(
      'running',
    );
    for (const t of grid) await addConfirmTrials(db, t.id); // as the workers ask after each trial
    expect((await view(sweepId)).counts.total).toBe(16); // 8 grid trials + 2 cells x 2 seeds x 2 checkpoints
    await runQueued(sweepId, workerId);
    const done = await view(sweepId);
    expect(done).toMatchObject({ phase: 'finished', epochs_run: 16 * 3 });
    expect(done.epochs_full_grid).toBe(4 * 2 * 1 * 3); // cells x checkpoints x own seeds x epochs
  });
});
