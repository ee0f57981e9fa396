import { describe, expect, it } from 'vitest';
import { keepVisibleGpus, parseNvidiaSmi, slotEnv, SlotPool } from './slots.ts';

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

  it("keeps the GPUs CUDA_VISIBLE_DEVICES names by index (a Slurm job's), one slot each", () => {
    const four = parseNvidiaSmi(
      [0, 1, 2, 3].map((i) => `${i}, NVIDIA A100-SXM4-40GB, 40960 MiB`).join('\n'),
    );
    expect(keepVisibleGpus(four, '1,3').map((g) => [g.slot, g.kind === 'gpu' && g.index])).toEqual([
      [0, 1],
      [1, 3],
    ]);
    expect(slotEnv(keepVisibleGpus(four, '3')[0]!)).toEqual({
      CUDA_VISIBLE_DEVICES: '3',
      SWEEPS_SLOT: '0',
    });
    expect(keepVisibleGpus(four, undefined)).toEqual(four);
    expect(keepVisibleGpus(four, '')).toEqual(four);
    expect(keepVisibleGpus(four, 'GPU-5f1c,GPU-77aa')).toEqual(four); // by UUID: not ours to match
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
