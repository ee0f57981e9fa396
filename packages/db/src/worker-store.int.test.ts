import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { newSweepId, planSweep } from '@sweeps/core';
import { TEST_DATABASE_URL } from '../../../test/support/services.ts';
import { createDb } from './client.ts';
import { createSweep } from './sweep-store.ts';
import { recordEpoch } from './trial-metrics.ts';
import { claimTrial, failTrial, listTrials, trialsToReconcile } from './trial-store.ts';
import { claimWorkerId, heartbeatWorker, liveWorkerPolicies, stopWorker } from './worker-store.ts';

const db = createDb(TEST_DATABASE_URL);
afterAll(() => db.$disconnect());

const registration = (id: string, token: string, pid: number) => ({
  id,
  host: `host-${pid}`,
  slots: 1,
  devices: [],
  pid,
  token,
});

describe('a worker row owned by one process', () => {
  it('refuses a second live process under the same id, naming the holder', async () => {
    const id = `dup-${randomBytes(4).toString('hex')}`;
    expect(await claimWorkerId(db, registration(id, 'first', 11), 30_000)).toBeNull();
    const holder = await claimWorkerId(db, registration(id, 'second', 22), 30_000);
    expect(holder).toMatchObject({ host: 'host-11', pid: 11 });
    // the same process registering again (its row was lost) is not a duplicate
    expect(await claimWorkerId(db, registration(id, 'first', 11), 30_000)).toBeNull();
    const row = await db.worker.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ pid: 11, token: 'first', stoppedAt: null });
  });

  it('lets a restart take over the id from a holder it saw gone, and only that holder', async () => {
    const id = `restart-${randomBytes(4).toString('hex')}`;
    expect(await claimWorkerId(db, registration(id, 'crashed', 7), 30_000)).toBeNull();
    const another = { host: 'host-7', pid: 8 };
    expect(await claimWorkerId(db, registration(id, 'next', 9), 30_000, another)).toMatchObject({
      pid: 7,
    });
    const gone = { host: 'host-7', pid: 7 };
    expect(await claimWorkerId(db, registration(id, 'next', 9), 30_000, gone)).toBeNull();
    expect((await db.worker.findUniqueOrThrow({ where: { id } })).token).toBe('next');
  });

  it('frees the id of a stopped or lost holder', async () => {
    const id = `free-${randomBytes(4).toString('hex')}`;
    expect(await claimWorkerId(db, registration(id, 'a', 1), 30_000)).toBeNull();
    expect(await stopWorker(db, id, 'a')).toBe(true);
    expect(await claimWorkerId(db, registration(id, 'b', 2), 30_000)).toBeNull();
    await db.worker.update({
      where: { id },
      data: { lastHeartbeatAt: new Date(Date.now() - 60_000) },
    });
    expect(await claimWorkerId(db, registration(id, 'c', 3), 30_000)).toBeNull();
    expect((await db.worker.findUniqueOrThrow({ where: { id } })).token).toBe('c');
  });

  it('lets no process with a stale token heartbeat or mark the row stopped, so reconcile keeps its trials', async () => {
    const { sweepId } = await createSweep(
      db,
      newSweepId(randomBytes(8).toString('hex')),
      planSweep({
        name: 'owned-row',
        metric: { name: 'acc' },
        trainer: { kind: 'noop' },
        checkpoints: [{ name: 'a', uri: 'x' }],
        space: { optimizer: { SGD: { lr: [0.1], weight_decay: [0] } } },
      }),
    );
    const id = `own-${sweepId}`;
    // an old life (token "old") was lost; a new process took the id over and runs a trial
    expect(await claimWorkerId(db, registration(id, 'old', 1), 30_000)).toBeNull();
    await db.worker.update({
      where: { id },
      data: { lastHeartbeatAt: new Date(Date.now() - 60_000) },
    });
    expect(await claimWorkerId(db, registration(id, 'new', 2), 30_000)).toBeNull();
    const [trial] = (await listTrials(db, { sweepId, limit: 1 })).trials;
    expect((await claimTrial(db, trial!.id, id))?.kind).toBe('claimed');
    // the old process comes back: its heartbeat and its stop mark do not apply
    expect(await heartbeatWorker(db, id, 'old')).toBe(false);
    expect(await stopWorker(db, id, 'old')).toBe(false);
    const row = await db.worker.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ token: 'new', pid: 2, stoppedAt: null });
    expect(await heartbeatWorker(db, id, 'new')).toBe(true);
    await trialsToReconcile(db, 30_000);
    const after = (await listTrials(db, { sweepId, limit: 1 })).trials[0]!;
    expect(after).toMatchObject({ state: 'running', lease: 1 });
  });
});

describe('affinity data', () => {
  it('tells the next claim which worker stored the newest epoch, and publishes free slots', async () => {
    const { sweepId } = await createSweep(
      db,
      newSweepId(randomBytes(8).toString('hex')),
      planSweep({
        name: 'affinity',
        metric: { name: 'acc' },
        trainer: { kind: 'noop' },
        checkpoints: [{ name: 'a', uri: 'x' }],
        space: { optimizer: { SGD: { lr: [0.1], weight_decay: [0] } } },
      }),
    );
    const [w1, w2] = ['1', '2'].map((n) => `aff${n}-${sweepId}`) as [string, string];
    for (const [i, w] of [w1, w2].entries())
      expect(await claimWorkerId(db, registration(w, `t${i}`, i), 30_000)).toBeNull();
    const [t] = (await listTrials(db, { sweepId, limit: 1 })).trials;
    const first = await claimTrial(db, t!.id, w1);
    if (first?.kind !== 'claimed') throw new Error('not claimed');
    expect(first.snapshotWorkerId).toBeNull();
    expect(await recordEpoch(db, first.lease, 1, { acc: 0.5 })).toBe(true);
    await failTrial(db, first.lease, {
      error: 'crash',
      reason: 'failed',
      outputTail: '',
      final: false,
    });
    const second = await claimTrial(db, t!.id, w2);
    expect(second).toMatchObject({ kind: 'claimed', resume: true, snapshotWorkerId: w1 });

    expect(await heartbeatWorker(db, w1, 't0', 3)).toBe(true);
    const live = await liveWorkerPolicies(db, 30_000);
    expect(live.find((w) => w.id === w1)).toMatchObject({ freeSlots: 3, slots: 1 });
  });
});
