import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { newSweepId, planSweep, type TrialMoveName } from '@sweeps/core';
import { TEST_DATABASE_URL } from '../../../test/support/services.ts';
import { createDb } from './client.ts';
import { sweepEventsAfter, sweepReadVersion } from './sweep-events.ts';
import { cancelSweep } from './sweep-removal.ts';
import { createSweep } from './sweep-store.ts';
import { claimTrial, listTrials } from './trial-store.ts';
import { inSourceStates, targetState } from './trial-moves.ts';
import { registerWorker } from './worker-store.ts';

const db = createDb(TEST_DATABASE_URL);
afterAll(() => db.$disconnect());

async function move(trialId: string, name: TrialMoveName): Promise<void> {
  const n = await db.$executeRaw`
    UPDATE trials SET state = ${targetState(name)} WHERE id = ${trialId} AND ${inSourceStates(name)}`;
  expect(n, `${name} ${trialId}`).toBe(1);
}

describe('sweep events of asha pausing', () => {
  it('are written by the triggers for pause, promote and a cancel of paused trials', async () => {
    const { sweepId } = await createSweep(
      db,
      newSweepId(randomBytes(8).toString('hex')),
      planSweep({
        name: 'paused-events',
        metric: { name: 'bbox_mAP' },
        trainer: { kind: 'noop' },
        checkpoints: [{ name: 'a', uri: 'x' }],
        space: { optimizer: { SGD: { lr: [0.1, 0.2, 0.3], weight_decay: [0] } } },
        fixed: { epochs: 9 },
        strategy: { kind: 'asha', min_epochs: 1, reduction_factor: 3 },
      }),
    );
    const worker = `w-${sweepId}`;
    await registerWorker(db, { id: worker, host: 'test', slots: 4, devices: [], pid: 1 });
    const [a, b, c] = (await listTrials(db, { sweepId, limit: 10 })).trials.map((t) => t.id);
    const [first] = await sweepEventsAfter(db, sweepId, 0n, 10); // the insert of the three trials
    const after = BigInt(first!.id);
    for (const id of [a!, b!]) expect((await claimTrial(db, id, worker))?.kind).toBe('claimed');

    const before = await sweepReadVersion(db, sweepId);
    await move(a!, 'pause');
    const paused = await sweepReadVersion(db, sweepId);
    expect(paused).not.toBe(before); // a cached grid or best table is read again
    await move(a!, 'promote');
    expect(await sweepReadVersion(db, sweepId)).not.toBe(paused);
    await move(a!, 'claim');
    await move(a!, 'pause');
    await move(b!, 'pause');

    const cancelled = await cancelSweep(db, sweepId);
    expect({ ...cancelled, paused: cancelled.paused.sort() }).toEqual({
      queued: [c],
      running: [],
      paused: [a, b].sort(),
    });

    const events = await sweepEventsAfter(db, sweepId, after, 100);
    expect(events.map((e) => [e.state, e.trialId, e.n])).toEqual([
      ['running', a, 1],
      ['running', b, 1],
      ['paused', a, 1],
      ['queued', a, 1], // promoted: queued again, to resume from its snapshot
      ['running', a, 1],
      ['paused', a, 1],
      ['paused', b, 1],
      ['cancelled', null, 3], // one event for the statement's three trials
    ]);
  });
});
