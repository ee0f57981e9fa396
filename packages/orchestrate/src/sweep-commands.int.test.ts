/** Sweep commands across the two stores: create, retry, extend, cancel and delete, each with its trials' jobs. */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError, planSweep } from '@sweeps/core';
import { claimTrial, createDb, failTrial, getSweep, listTrials, registerWorker } from '@sweeps/db';
import { createRedis, createTrialQueue, queueNames, type Redis } from '@sweeps/queue';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from '../../../test/support/services.ts';
import type { Stores } from './stores.ts';
import { cancelSweepWithJobs, deleteSweepWithJobs } from './sweep-cancellation.ts';
import { createSweepWithJobs } from './sweep-creation.ts';
import { extendSweepWithJobs, retryFailedWithJobs } from './trial-additions.ts';

const db = createDb(TEST_DATABASE_URL);
const redis = createRedis(TEST_REDIS_URL);
const clients: Redis[] = [redis];
afterAll(async () => {
  await db.$disconnect();
  for (const c of clients) c.disconnect();
});

/** A port nothing listens on: a Redis there refuses every connection. */
let deadPort = 0;
beforeAll(async () => {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  deadPort = (probe.address() as { port: number }).port;
  await new Promise<void>((r) => probe.close(() => r()));
});

const hex = () => randomBytes(4).toString('hex');

/** The stores with a trial queue of its own; `queueOn`: the connection its queue uses (default the live one). */
function stores(queueOn: Redis = redis): Stores {
  const names = queueNames(`t${hex()}`);
  const queue = createTrialQueue(names, queueOn);
  queue.on('error', () => {});
  return { db, redis, queue, names };
}

/** A grid sweep of 2 noop trials per seed on one checkpoint, named uniquely. */
const spec = (name: string, seeds = [0]) => ({
  name,
  metric: { name: 'bbox_mAP' },
  trainer: { kind: 'noop' },
  checkpoints: [{ name: 'a', uri: 'x', baseline: true }],
  space: { optimizer: { SGD: { lr: [0.1, 0.2], weight_decay: [0] } } },
  fixed: { epochs: 1 },
  seeds,
});

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

describe('a new sweep with its jobs', () => {
  it('stores the sweep and enqueues every trial; the same idempotency key gives the same sweep', async () => {
    const s = stores();
    const plan = planSweep(spec(`create-${hex()}`));
    const key = `idem-${hex()}`;
    const first = await createSweepWithJobs(s, { plan, idempotencyKey: key });
    expect(first.created).toBe(true);
    const trials = await trialIdsOf(first.sweepId);
    expect(trials).toHaveLength(2);
    expect(await waitingJobs(s, first.sweepId)).toEqual(trials);
    const again = await createSweepWithJobs(s, { plan, idempotencyKey: key });
    expect(again).toEqual({ sweepId: first.sweepId, created: false });
    expect(await waitingJobs(s, first.sweepId)).toEqual(trials); // no second job per trial
    const other = planSweep(spec(`create-other-${hex()}`));
    const conflict = await createSweepWithJobs(s, { plan: other, idempotencyKey: key }).catch(
      (e: unknown) => e,
    );
    expect(conflict).toBeInstanceOf(DomainError);
    expect((conflict as DomainError).code).toBe('IDEMPOTENCY_CONFLICT');
    await s.queue.obliterate({ force: true });
  });

  it('is deleted again when Redis answers but does not take the trials, and says so', async () => {
    const gone = createRedis(TEST_REDIS_URL, { failFast: true });
    const s = stores(gone); // Redis answers its ping; the queue's connection is lost after it was set up
    await s.queue.waitUntilReady();
    gone.disconnect();
    const name = `lost-${hex()}`;
    const err = await createSweepWithJobs(s, { plan: planSweep(spec(name)) }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).code).toBe('UNAVAILABLE');
    expect((err as DomainError).message).toMatch(/the sweep was not created/);
    expect(await db.sweep.count({ where: { name } })).toBe(0);
  });

  it('writes nothing when Redis does not answer', async () => {
    const dead = createRedis(`redis://127.0.0.1:${deadPort}`, { failFast: true });
    dead.on('error', () => {});
    clients.push(dead);
    const name = `unanswered-${hex()}`;
    const s = { ...stores(dead), redis: dead };
    await expect(createSweepWithJobs(s, { plan: planSweep(spec(name)) })).rejects.toThrow();
    expect(await db.sweep.count({ where: { name } })).toBe(0);
  });
});

describe('more trials for a sweep, with their jobs', () => {
  it('retries the failed trials and enqueues them', async () => {
    const s = stores();
    const { sweepId } = await createSweepWithJobs(s, { plan: planSweep(spec(`retry-${hex()}`)) });
    await s.queue.obliterate({ force: true }); // the first jobs ran
    const workerId = `w-${sweepId}`;
    await registerWorker(db, { id: workerId, host: 'test', slots: 1, devices: [], pid: 1 });
    const [failed] = await trialIdsOf(sweepId);
    const claim = await claimTrial(db, failed!, workerId);
    if (claim?.kind !== 'claimed') throw new Error('not claimed');
    await failTrial(db, claim.lease, {
      error: 'boom',
      reason: 'failed',
      outputTail: '',
      final: true,
    });
    expect(await retryFailedWithJobs(s, sweepId)).toEqual({ trialIds: [failed], enqueued: true });
    expect(await waitingJobs(s, sweepId)).toEqual([failed]);
    await s.queue.obliterate({ force: true });
  });

  it('extends the sweep and enqueues only the trials added', async () => {
    const s = stores();
    const name = `extend-${hex()}`;
    const { sweepId } = await createSweepWithJobs(s, { plan: planSweep(spec(name)) });
    const before = await trialIdsOf(sweepId);
    const merged = planSweep(spec(name, [0, 1]));
    const { trialIds, enqueued } = await extendSweepWithJobs(s, sweepId, merged, [], 1);
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
    const { sweepId } = await createSweepWithJobs(s, { plan: planSweep(spec(`cancel-${hex()}`)) });
    const [running, queued] = await trialIdsOf(sweepId);
    const workerId = `w-${sweepId}`;
    await registerWorker(db, { id: workerId, host: 'test', slots: 1, devices: [], pid: 1 });
    expect((await claimTrial(db, running!, workerId))?.kind).toBe('claimed');
    const listener = createRedis(TEST_REDIS_URL);
    clients.push(listener);
    await listener.subscribe(s.names.cancelChannel);
    const heard = new Promise<unknown>((resolve) =>
      listener.on('message', (_channel, text) => resolve(JSON.parse(text))),
    );
    const cancelled = await cancelSweepWithJobs(s, sweepId);
    expect(cancelled).toEqual({ queued: [queued], running: [running], paused: [], told: true });
    expect(await heard).toEqual({ sweepId, trialIds: [running] });
    expect(await waitingJobs(s, sweepId)).not.toContain(queued);
    expect((await getSweep(db, sweepId)).status).toBe('cancelled');
    await s.queue.obliterate({ force: true });
  });

  it('deletes the sweep after cancelling it; a sweep that is gone is not found', async () => {
    const s = stores();
    const { sweepId } = await createSweepWithJobs(s, { plan: planSweep(spec(`delete-${hex()}`)) });
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
