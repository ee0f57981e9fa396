import { describe, expect, it } from 'vitest';
import { parseNvidiaSmi, slotEnv, SlotPool } from './slots.ts';

describe('slots', () => {
  it('reads one slot per GPU from nvidia-smi', () => {
    const out = '0, NVIDIA H100 80GB HBM3, 81559 MiB\n1, NVIDIA H100 80GB HBM3, 81559 MiB\n';
    const devices = parseNvidiaSmi(out);
    expect(devices).toEqual([
      { slot: 0, kind: 'gpu', index: 0, name: 'NVIDIA H100 80GB HBM3', memoryMb: 81559 },
      { slot: 1, kind: 'gpu', index: 1, name: 'NVIDIA H100 80GB HBM3', memoryMb: 81559 },
    ]);
    expect(slotEnv(devices[1]!)).toEqual({ CUDA_VISIBLE_DEVICES: '1', SWEEPS_SLOT: '1' });
    expect(slotEnv({ slot: 3, kind: 'cpu' })).toEqual({ SWEEPS_SLOT: '3' });
  });

  it('hands out each slot once until it is given back', () => {
    const pool = new SlotPool([
      { slot: 0, kind: 'cpu' },
      { slot: 1, kind: 'cpu' },
    ]);
    const a = pool.take();
    const b = pool.take();
    expect([a.slot, b.slot]).toEqual([0, 1]);
    expect(() => pool.take()).toThrow(/no free slot/);
    pool.give(b);
    expect(pool.take().slot).toBe(1);
  });
});
