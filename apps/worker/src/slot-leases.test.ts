import { describe, expect, it } from 'vitest';
import { isPending } from '../../../test/support/wait-for.ts';
import { leaseEnv, SlotLeases, slotsWanted } from './slot-leases.ts';
import type { SlotDevice } from './slots.ts';

const gpus: SlotDevice[] = [0, 1, 2].map((i) => ({ slot: i, kind: 'gpu', index: i, name: 'H100' }));

describe('slot leases', () => {
  it('gives a 2-GPU trial two distinct GPUs, and makes it wait until two are free', async () => {
    const leases = new SlotLeases(gpus);
    const one = await leases.take(1);
    const two = await leases.take(2);
    expect(leaseEnv(two).CUDA_VISIBLE_DEVICES).toBe('1,2');
    const waiting = leases.take(2);
    leases.give(one);
    expect(await isPending(waiting)).toBe(true); // one free slot is not enough
    leases.give(two);
    expect((await waiting).map((d) => d.index)).toEqual([0, 1]);
  });

  it('refuses more GPUs than the worker has, and stops waiting when aborted', async () => {
    const leases = new SlotLeases(gpus, 'worker w1 on gpu-node-3');
    await expect(leases.take(4)).rejects.toThrow(/needs 4 GPUs; worker w1 on gpu-node-3 has 3/);
    await leases.take(3);
    const abort = new AbortController();
    const waiting = leases.take(1, abort.signal);
    abort.abort(new Error('cancelled'));
    await expect(waiting).rejects.toThrow('cancelled');
    expect(slotsWanted({ kind: 'mmdet', gpus_per_trial: 2 })).toBe(2);
    expect(slotsWanted({ kind: 'command' })).toBe(1);
  });
});
