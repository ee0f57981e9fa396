import { describe, expect, it } from 'vitest';
import { deviceLines } from './device-words.ts';

describe("a worker's devices in words", () => {
  it('lists each slot with its GPU, name and memory, or its kind', () => {
    expect(
      deviceLines([
        { slot: 0, kind: 'gpu', index: 0, name: 'NVIDIA A100-SXM4-40GB', memoryMb: 40960 },
        { slot: 1, kind: 'gpu', index: 3, name: 'T4' },
        { slot: 2, kind: 'cpu' },
      ]),
    ).toEqual(['slot 0: GPU 0, NVIDIA A100-SXM4-40GB (40 GB)', 'slot 1: GPU 3, T4', 'slot 2: cpu']);
  });

  it('writes anything else out as it came, and nothing for no devices', () => {
    expect(deviceLines([])).toEqual([]);
    expect(deviceLines(null)).toEqual([]);
    expect(deviceLines(['cuda:0'])).toEqual(['cuda:0']);
    expect(deviceLines([{ odd: 1 }])).toEqual(['{"odd":1}']);
    expect(deviceLines({ slot: 0, kind: 'cpu' })).toEqual(['slot 0: cpu']);
  });
});
