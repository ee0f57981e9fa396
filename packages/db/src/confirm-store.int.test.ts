import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { newSweepId, planSweep } from '@sweeps/core';
import { confirmSweepSpec } from '../../../test/fixtures/confirm-sweep.ts';
import { TEST_DATABASE_URL } from '../../../test/support/services.ts';
import { createDb } from './client.ts';
import {
  addConfirmTrials,
  addDueConfirmTrials,
  missingConfirmTrialsBySweep,
} from './confirm-store.ts';
import { recordRungValue } from './rung-store.ts';
import { cancelSweep } from './sweep-removal.ts';
import { createSweep } from './sweep-store.ts';
import {
  claimTrial,
  completeTrial,
  failTrial,
  listTrials,
  type TrialLease,
} from './trial-store.ts';
import { registerWorker } from './worker-store.ts';

const db = createDb(TEST_DATABASE_URL);
const db2 = createDb(TEST_DATABASE_URL);
afterAll(() => Promise.all([db.$disconnect(), db2.$disconnect()]));

/** A sweep of 4 SGD cells on checkpoints a and b, seed 0, confirming the top 2 cells with seeds 7 and 8. */
async function confirmSweep(extra: object = {}) {
  const plan = planSweep(confirmSweepSpec(extra));
  const { sweepId } = await createSweep(db, newSweepId(randomBytes(8).toString('hex')), plan);
  const workerId = `w-${sweepId}`;
  await registerWorker(db, { id: workerId, host: 'test', slots: 8, devices: [], pid: 1 });
  const trialsOf = async (checkpoint: string) =>
    (await listTrials(db, { sweepId, checkpoint, limit: 100 })).trials.sort((x, y) => x.lr - y.lr);
  const claim = async (id: string): Promise<TrialLease> => {
    const c = await claimTrial(db, id, workerId);
    if (c?.kind !== 'claimed') throw new Error(`trial ${id} could not be claimed`);
    return c.lease;
  };
  return { sweepId, workerId, trialsOf, claim };
}

const succeed = (lease: TrialLease, value: number) =>
  completeTrial(db, lease, { finalMetric: value, metrics: { bbox_mAP: value } });

describe('confirm stage on PostgreSQL', () => {
  it('adds the top cells with the confirm seeds once every own-seed trial of the checkpoint finished', async () => {
    const { trialsOf, claim } = await confirmSweep();
    const a = await trialsOf('a');
    const values = [0.3, 0.5, 0.2, 0.4];
    for (const [i, t] of a.slice(0, 3).entries()) await succeed(await claim(t.id), values[i]!);
    expect(await addConfirmTrials(db, a[0]!.id)).toEqual([]); // lr 0.4 is still queued
    const last = await claim(a[3]!.id);
    await failTrial(db, last, { error: 'boom', reason: 'failed', outputTail: '', final: false }); // back to queued
    expect(await addConfirmTrials(db, a[0]!.id)).toEqual([]);
    await succeed(await claim(a[3]!.id), values[3]!);
    // two workers ask at once: each confirm trial is added exactly once
    const [x, y] = await Promise.all([
      addConfirmTrials(db, a[3]!.id),
      addConfirmTrials(db2, a[2]!.id),
    ]);
    expect([...x, ...y]).toHaveLength(4);
    expect(new Set([...x, ...y].map((t) => t.id)).size).toBe(4);
    const after = await trialsOf('a');
    const confirms = after.filter((t) => t.seed !== 0);
    expect(confirms.map((t) => `${t.lr}/${t.seed}/${t.state}`).sort()).toEqual([
      '0.2/7/queued',
      '0.2/8/queued',
      '0.4/7/queued',
      '0.4/8/queued',
    ]);
    // checkpoint b has not finished: nothing for it; asking again adds nothing
    expect((await trialsOf('b')).every((t) => t.seed === 0)).toBe(true);
    expect(await addConfirmTrials(db, a[1]!.id)).toEqual([]);
    // confirm results that reorder the cells change nothing: the choice rests on the sweep's own seeds
    for (const t of confirms) await succeed(await claim(t.id), t.lr === 0.2 ? 0.01 : 0.02);
    expect(await addConfirmTrials(db, confirms[0]!.id)).toEqual([]);
    expect((await trialsOf('a')).length).toBe(8);
  });

  it('ranks only trials that ran to the end, and never confirms for a cancelled sweep', async () => {
    const { sweepId, workerId, trialsOf, claim } = await confirmSweep({
      strategy: { kind: 'asha', min_epochs: 1, reduction_factor: 3 },
    });
    const b = await trialsOf('b');
    const leases = [];
    for (const t of b) leases.push(await claim(t.id));
    // lr 0.1 leads at the rung, the others after it are pruned there (values below it)
    for (const [i, v] of [0.9, 0.1, 0.2].entries())
      await recordRungValue(db, { trialId: b[i]!.id, workerId, epoch: 1, value: v });
    await succeed(leases[0]!, 0.6);
    await succeed(leases[3]!, 0.05); // below the pruned trials' values: they must not count
    // the reconcile catch-up finds checkpoint b due; a still has queued trials
    const due = await addDueConfirmTrials(db);
    const mine = due.filter((t) => t.sweepId === sweepId);
    expect(mine).toHaveLength(4);
    const confirmed = (await trialsOf('b')).filter((t) => t.seed !== 0);
    expect([...new Set(confirmed.map((t) => t.lr))].sort()).toEqual([0.1, 0.4]);
    expect((await addDueConfirmTrials(db)).filter((t) => t.sweepId === sweepId)).toEqual([]);
    // a cancelled sweep adds nothing, even when its checkpoint is finished
    const other = await confirmSweep();
    const a = await other.trialsOf('a');
    for (const t of a) await succeed(await other.claim(t.id), t.lr);
    await cancelSweep(db, other.sweepId);
    expect(await addConfirmTrials(db, a[0]!.id)).toEqual([]);
    expect((await addDueConfirmTrials(db)).filter((t) => t.sweepId === other.sweepId)).toEqual([]);
  });

  it('counts the confirm trials still to be added: due ones keep the sweep from finishing, needless ones do not', async () => {
    const { sweepId, trialsOf, claim } = await confirmSweep();
    const [a, b] = [await trialsOf('a'), await trialsOf('b')];
    for (const t of a) await succeed(await claim(t.id), t.lr);
    for (const t of b) {
      const lease = await claim(t.id);
      await failTrial(db, lease, { error: 'boom', reason: 'failed', outputTail: '', final: true });
    }
    // every trial has finished: a is due its 2 cells x 2 seeds, b has no result to confirm (none needed)
    const missing = async () => (await missingConfirmTrialsBySweep(db, [sweepId])).get(sweepId);
    expect(await missing()).toBe(4);
    expect(await addConfirmTrials(db, b[0]!.id)).toEqual([]);
    expect(await missing()).toBe(4);
    expect(await addConfirmTrials(db, a[0]!.id)).toHaveLength(4);
    expect(await missing()).toBe(0);
    // a sweep without a confirm stage, or a cancelled one, is never waiting for one
    const plain = await createSweep(
      db,
      newSweepId(randomBytes(8).toString('hex')),
      planSweep({
        name: 'no-confirm',
        metric: { name: 'bbox_mAP' },
        trainer: { kind: 'noop' },
        checkpoints: [{ name: 'a', uri: 'x' }],
        space: { optimizer: { SGD: { lr: [0.1], weight_decay: [0] } } },
      }),
    );
    const other = await confirmSweep();
    for (const t of await other.trialsOf('a')) await succeed(await other.claim(t.id), t.lr);
    expect((await missingConfirmTrialsBySweep(db, [other.sweepId])).get(other.sweepId)).toBe(4);
    await cancelSweep(db, other.sweepId);
    const after = await missingConfirmTrialsBySweep(db, [plain.sweepId, other.sweepId]);
    expect([...after.keys()]).toEqual([]);
  });
});
