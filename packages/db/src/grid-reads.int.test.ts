import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { newSweepId, planSweep, type TrialMoveName } from '@sweeps/core';
import { TEST_DATABASE_URL } from '../../../test/support/services.ts';
import { createDb } from './client.ts';
import { gridCellCounts } from './grid-reads.ts';
import { pausedRungsOf } from './paused-rungs.ts';
import { createSweep } from './sweep-store.ts';
import { claimTrial, listTrials } from './trial-store.ts';
import { inSourceStates, targetState } from './trial-moves.ts';
import { registerWorker } from './worker-store.ts';

const db = createDb(TEST_DATABASE_URL);
afterAll(() => db.$disconnect());

/** An asha sweep (rungs at epochs 1 and 3) with one checkpoint, four lrs and two seeds: eight trials. */
async function ashaSweep() {
  const { sweepId } = await createSweep(
    db,
    newSweepId(randomBytes(8).toString('hex')),
    planSweep({
      name: 'paused-grid',
      metric: { name: 'bbox_mAP' },
      trainer: { kind: 'noop' },
      checkpoints: [{ name: 'a', uri: 'x', baseline: true }],
      space: { optimizer: { SGD: { lr: [0.1, 0.2, 0.3, 0.4], weight_decay: [0] } } },
      fixed: { epochs: 9 },
      seeds: [0, 1],
      strategy: { kind: 'asha', min_epochs: 1, reduction_factor: 3 },
    }),
  );
  const worker = `w-${sweepId}`;
  await registerWorker(db, { id: worker, host: 'test', slots: 8, devices: [], pid: 1 });
  const { trials } = await listTrials(db, { sweepId, limit: 100 });
  /** The trial of (lr, seed). */
  const trial = (lr: number, seed: number) => trials.find((t) => t.lr === lr && t.seed === seed)!;
  return { sweepId, worker, trial };
}

/** Makes the move named (core's TRIAL_MOVES) for one trial, as the stores write it. */
async function move(trialId: string, name: TrialMoveName): Promise<void> {
  const n = await db.$executeRaw`
    UPDATE trials SET state = ${targetState(name)} WHERE id = ${trialId} AND ${inSourceStates(name)}`;
  expect(n, `${name} ${trialId}`).toBe(1);
}

/** A rung record as asha writes it; `outcome` promoted, paused or pruned (the value sent as text: NaN too). */
async function rung(
  t: { id: string; sweepId: string; checkpointId: string },
  epoch: number,
  value: number,
  outcome: 'promoted' | 'paused' | 'pruned',
): Promise<void> {
  await db.$executeRaw`
    INSERT INTO trial_rungs (trial_id, sweep_id, checkpoint_id, epoch, value, rank, out_of, promoted, outcome, reason)
    VALUES (${t.id}, ${t.sweepId}, ${t.checkpointId}, ${epoch}, ${String(value)}::float8, 1, 1, ${outcome === 'promoted'},
            ${outcome}, ${`rank 1 of 1 at epoch ${epoch}`})`;
}

describe('grid cell counts with paused trials (asha waiting at a rung)', () => {
  it('counts paused trials per grid cell with the rung epoch they wait at and their value there', async () => {
    const { sweepId, worker, trial } = await ashaSweep();
    for (const lr of [0.1, 0.2, 0.3])
      for (const seed of [0, 1]) {
        const c = await claimTrial(db, trial(lr, seed).id, worker);
        expect(c?.kind).toBe('claimed');
      }
    // lr 0.1: both seeds paused, one at the epoch-3 rung (promoted at 1 before), one at the epoch-1 rung
    await rung(trial(0.1, 0), 1, 0.4, 'promoted');
    await rung(trial(0.1, 0), 3, 0.21, 'paused');
    await move(trial(0.1, 0).id, 'pause');
    await rung(trial(0.1, 1), 1, 0.5, 'paused');
    await move(trial(0.1, 1).id, 'pause');
    // lr 0.2: one pruned at 3 (after a pause at 3 that the rung settled as pruned), one paused with a NaN value
    await rung(trial(0.2, 0), 1, 0.3, 'promoted');
    await rung(trial(0.2, 0), 3, 0.1, 'pruned');
    await move(trial(0.2, 0).id, 'pause');
    await move(trial(0.2, 0).id, 'prune');
    await rung(trial(0.2, 1), 1, Number.NaN, 'paused');
    await move(trial(0.2, 1).id, 'pause');
    // lr 0.3: one running, one paused at 1; lr 0.4: one queued again after its pause was promoted
    await rung(trial(0.3, 1), 1, 0.6, 'paused');
    await move(trial(0.3, 1).id, 'pause');
    await rung(trial(0.4, 0), 1, 0.7, 'promoted');

    const byLr = new Map((await gridCellCounts(db, sweepId)).map((c) => [c.lr, c]));
    expect(byLr.get(0.1)).toMatchObject({
      paused: 2,
      running: 0,
      pausedEpoch: 3,
      pausedValue: 0.21,
      pruned: 0,
      prunedEpoch: null,
    });
    expect(byLr.get(0.2)).toMatchObject({
      paused: 1,
      pruned: 1,
      prunedEpoch: 3,
      prunedValue: 0.1,
      pausedEpoch: 1,
      pausedValue: null, // NaN: JSON has no such number
    });
    expect(byLr.get(0.3)).toMatchObject({
      running: 1,
      paused: 1,
      pausedEpoch: 1,
      pausedValue: 0.6,
    });
    expect(byLr.get(0.4)).toMatchObject({
      queued: 2,
      paused: 0,
      pausedEpoch: null,
      pausedValue: null,
    });
    // every trial counted once, whatever rung records it has
    const total = [...byLr.values()].reduce(
      (n, c) => n + c.queued + c.running + c.paused + c.pruned + c.failed + c.cancelled,
      0,
    );
    expect(total).toBe(8);

    // the trial views read where each paused trial waits; other trials are left out
    const waits = await pausedRungsOf(db, [
      trial(0.1, 0).id,
      trial(0.2, 1).id,
      trial(0.2, 0).id,
      trial(0.4, 0).id,
    ]);
    expect(Object.fromEntries(waits)).toEqual({
      [trial(0.1, 0).id]: { epoch: 3, value: 0.21 },
      [trial(0.2, 1).id]: { epoch: 1, value: null },
    });
    expect(await pausedRungsOf(db, [])).toEqual(new Map());
  });
});
