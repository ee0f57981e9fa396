/** For this package's tests: the real stores, sweeps of noop trials, trials claimed as a worker holds them. */
import { randomBytes } from 'node:crypto';
import { afterAll } from 'vitest';
import { newSweepId, planSweep } from '@sweeps/core';
import {
  claimTrial,
  createDb,
  createSweep,
  type Db,
  failTrial,
  listTrials,
  registerWorker,
  type TrialLease,
} from '@sweeps/db';
import { createRedis, createTrialQueue, queueNames, type Redis } from '@sweeps/queue';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from '../../../../test/support/services.ts';

/** A short random hex string for unique names. */
export const hex = () => randomBytes(4).toString('hex');

/** The test database and Redis, both closed once the test file is done. */
export function testStores(): { db: Db; redis: Redis } {
  const db = createDb(TEST_DATABASE_URL);
  const redis = createRedis(TEST_REDIS_URL);
  afterAll(async () => {
    await db.$disconnect();
    redis.disconnect();
  });
  return { db, redis };
}

/** A trial queue under a prefix of its own on `connection`, so that no two tests see each other's jobs. */
export function freshQueue(connection: Redis) {
  const names = queueNames(`t${hex()}`);
  const queue = createTrialQueue(names, connection);
  queue.on('error', () => {});
  return { names, queue };
}

/** A sweep of noop trials on checkpoint `a` (and `b`, ...): one trial per lr and seed. */
export function noopSweepSpec(
  name: string,
  o: { lrs?: number[]; seeds?: number[]; checkpoints?: string[]; strategy?: object } = {},
) {
  return {
    name,
    metric: { name: 'bbox_mAP' },
    trainer: { kind: 'noop' },
    checkpoints: (o.checkpoints ?? ['a']).map((c, i) => ({ name: c, uri: c, baseline: i === 0 })),
    space: { optimizer: { SGD: { lr: o.lrs ?? [0.1, 0.2], weight_decay: [0] } } },
    fixed: { epochs: o.strategy ? 3 : 1 },
    seeds: o.seeds ?? [0],
    ...(o.strategy ? { strategy: o.strategy } : {}),
  };
}

/** A worker registered for the sweep, named after it. */
export async function workerFor(db: Db, sweepId: string): Promise<string> {
  const workerId = `w-${sweepId}`;
  await registerWorker(db, { id: workerId, host: 'test', slots: 8, devices: [], pid: 1 });
  return workerId;
}

/** Claims the trial as `workerId` holds it; throws when it cannot. */
export async function claimed(db: Db, trialId: string, workerId: string): Promise<TrialLease> {
  const c = await claimTrial(db, trialId, workerId);
  if (c?.kind !== 'claimed') throw new Error(`trial ${trialId} could not be claimed`);
  return c.lease;
}

/** Stores the planned `spec` and registers a worker for it; its trial ids ordered by lr. */
export async function storedSweep(db: Db, spec: object) {
  const { sweepId } = await createSweep(db, newSweepId(hex() + hex()), planSweep(spec));
  const workerId = await workerFor(db, sweepId);
  const list = (await listTrials(db, { sweepId, limit: 100 })).trials.sort((x, y) => x.lr - y.lr);
  return { sweepId, workerId, trialIds: list.map((t) => t.id) };
}

/** {@link storedSweep} with its trials (ordered by lr) claimed on its worker. */
export async function claimedSweep(db: Db, spec: object) {
  const { sweepId, workerId, trialIds } = await storedSweep(db, spec);
  const leases: TrialLease[] = [];
  for (const id of trialIds) leases.push(await claimed(db, id, workerId));
  return { sweepId, workerId, leases };
}

/** Records the attempt as failed for good, with `outputTail` as its last lines. */
export const failForGood = (db: Db, lease: TrialLease, outputTail = '') =>
  failTrial(db, lease, { error: 'boom', reason: 'failed', outputTail, final: true });
