/** Sweep commands across the two stores: create, retry, extend, cancel and delete, each with its trials' jobs. */
import { createServer } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { DomainError, planSweep } from '@sweeps/core';
import { getSweep, listTrials } from '@sweeps/db';
import { createRedis, type Redis } from '@sweeps/queue';
import { TEST_REDIS_URL } from '../../../test/support/services.ts';
import type { Stores } from './stores.ts';
import { cancelSweepWithJobs, deleteSweepWithJobs } from './sweep-cancellation.ts';
import { createSweepWithJobs } from './sweep-creation.ts';
import {
  claimed,
  failForGood,
  freshQueue,
  hex,
  noopSweepSpec,
  testStores,
  workerFor,
} from './testing/stores.ts';
import { extendSweepWithJobs, retryFailedWithJobs } from './trial-additions.ts';

const { db, redis } = testStores();

/** A port nothing listens on: a Redis there refuses every connection. */
let deadPort = 0;
beforeAll(async () => {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  deadPort = (probe.address() as { port: number }).port;
  await new Promise<void>((r) => probe.close(() => r()));
});

/** The stores with a trial queue of its own on `queueOn` (default: the live connection). */
const stores = (queueOn: Redis = redis): Stores => ({ db, redis, ...freshQueue(queueOn) });

/** A plan of 2 noop trials per seed, named uniquely. */
const plan = (name = `cmd-${hex()}`, seeds = [0]) => planSweep(noopSweepSpec(name, { seeds }));

/** The ids of the sweep's jobs waiting in the queue, sorted. */
async function waitingJobs(s: Stores, sweepId: string): Promise<string[]> {
  const jobs = await s.queue.getWaiting(0, 10_000);
  return jobs
    .filter((j) => j.data.sweepId === sweepId)
    .map((j) => j.id!)
    .sort();
}

const trialIdsOf = async (sweepId: string) =>
  (await listTrials(db, { sweepId, limit: 100 })).trials.map((t) => t.id).sort();

/** A client of a Redis that is away (the test closes it once the queue is set up, or never reaches it). */
function lostRedis(url = TEST_REDIS_URL): Redis {
  const r = createRedis(url, { failFast: true });
  r.on('error', () => {});
  return r;
}

describe('a new sweep with its jobs', () => {
  it('stores the sweep and enqueues every trial; the same idempotency key gives the same sweep', async () => {
    const s = stores();
    const key = `idem-${hex()}`;
    const p = plan();
    const created = await createSweepWithJobs(s, { plan: p, idempotencyKey: key });
    expect(created.created).toBe(true);
    const trials = await trialIdsOf(created.sweepId);
    expect(trials).toHaveLength(2);
    expect(await waitingJobs(s, created.sweepId)).toEqual(trials);
    const again = await createSweepWithJobs(s, { plan: p, idempotencyKey: key });
    expect(again).toEqual({ sweepId: created.sweepId, created: false });
    expect(await waitingJobs(s, created.sweepId)).toEqual(trials); // no second job per trial
    const conflict = await createSweepWithJobs(s, { plan: plan(), idempotencyKey: key }).catch(
      (e: unknown) => e,
    );
    expect(conflict).toBeInstanceOf(DomainError);
    expect((conflict as DomainError).code).toBe('IDEMPOTENCY_CONFLICT');
    await s.queue.obliterate({ force: true });
  });

  it('is deleted again when Redis answers but does not take the trials, and says so', async () => {
    const gone = lostRedis();
    const s = stores(gone); // Redis answers its ping; the queue's connection is lost after it was set up
    await s.queue.waitUntilReady();
    gone.disconnect();
    const name = `lost-${hex()}`;
    const err = await createSweepWithJobs(s, { plan: plan(name) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).code).toBe('UNAVAILABLE');
    expect((err as DomainError).message).toMatch(/the sweep was not created/);
    expect(await db.sweep.count({ where: { name } })).toBe(0);
  });

  it('writes nothing when Redis does not answer', async () => {
    const dead = lostRedis(`redis://127.0.0.1:${deadPort}`);
    const name = `unanswered-${hex()}`;
    const s = { ...stores(dead), redis: dead };
    await expect(createSweepWithJobs(s, { plan: plan(name) })).rejects.toThrow();
    expect(await db.sweep.count({ where: { name } })).toBe(0);
    dead.disconnect();
  });
});

describe('more trials for a sweep, with their jobs', () => {
  it('retries the failed trials and enqueues them', async () => {
    const s = stores();
    const { sweepId } = await createSweepWithJobs(s, { plan: plan() });
    await s.queue.obliterate({ force: true }); // the first jobs ran
    const [failed] = await trialIdsOf(sweepId);
    await failForGood(db, await claimed(db, failed!, await workerFor(db, sweepId)));
    expect(await retryFailedWithJobs(s, sweepId)).toEqual({ trialIds: [failed], enqueued: true });
    expect(await waitingJobs(s, sweepId)).toEqual([failed]);
    await s.queue.obliterate({ force: true });
  });

  it('extends the sweep and enqueues only the trials added', async () => {
    const s = stores();
    const name = `extend-${hex()}`;
    const { sweepId } = await createSweepWithJobs(s, { plan: plan(name) });
    const before = await trialIdsOf(sweepId);
    const { trialIds, enqueued } = await extendSweepWithJobs(s, sweepId, plan(name, [0, 1]), [], 1);
    expect(enqueued).toBe(true);
    expect(trialIds).toHaveLength(2);
    expect(trialIds.some((id) => before.includes(id))).toBe(false);
    expect(await waitingJobs(s, sweepId)).toEqual([...before, ...trialIds].sort());
    expect((await getSweep(db, sweepId)).spec.seeds).toEqual([0, 1]);
    await s.queue.obliterate({ force: true });
  });
});

describe('cancelling and deleting a sweep with its jobs', () => {
  it('cancels in PostgreSQL, removes queued jobs and tells the running trials to stop', async () => {
    const s = stores();
    const { sweepId } = await createSweepWithJobs(s, { plan: plan() });
    const [running, queued] = await trialIdsOf(sweepId);
    await claimed(db, running!, await workerFor(db, sweepId));
    const listener = createRedis(TEST_REDIS_URL);
    await listener.subscribe(s.names.cancelChannel);
    const heard = new Promise<unknown>((resolve) =>
      listener.on('message', (_channel, text) => resolve(JSON.parse(text))),
    );
    const cancelled = await cancelSweepWithJobs(s, sweepId);
    expect(cancelled).toEqual({ queued: [queued], running: [running], paused: [], told: true });
    expect(await heard).toEqual({ sweepId, trialIds: [running] });
    listener.disconnect();
    expect(await waitingJobs(s, sweepId)).not.toContain(queued);
    expect((await getSweep(db, sweepId)).status).toBe('cancelled');
    await s.queue.obliterate({ force: true });
  });

  it('deletes the sweep after cancelling it; a sweep that is gone is not found', async () => {
    const s = stores();
    const { sweepId } = await createSweepWithJobs(s, { plan: plan() });
    const done = await deleteSweepWithJobs(s, sweepId);
    expect(done.deleted).toBe(true);
    expect(done.cancelled.queued).toHaveLength(2);
    expect(await waitingJobs(s, sweepId)).toEqual([]);
    expect(await db.sweep.count({ where: { id: sweepId } })).toBe(0);
    await expect(deleteSweepWithJobs(s, sweepId)).rejects.toMatchObject({
      code: 'SWEEP_NOT_FOUND',
    });
    await s.queue.obliterate({ force: true });
  });
});
