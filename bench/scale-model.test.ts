import { describe, expect, it } from 'vitest';
import { SWEEP_TRIALS, splitSweeps } from './scale-model.ts';

const size = (s: { checkpoints: number; lrs: number; seeds: number }) =>
  s.checkpoints * s.lrs * s.seeds;

describe("the scale benchmark's sweeps", () => {
  it('hold at least the trials asked for, at most SWEEP_TRIALS a sweep and under 100 more in all', () => {
    for (const n of [1, 999, 8_000, 10_000, 10_001, 96_000]) {
      const sweeps = splitSweeps(n);
      const total = sweeps.reduce((a, s) => a + size(s), 0);
      expect(total, String(n)).toBeGreaterThanOrEqual(n);
      expect(total - n, String(n)).toBeLessThan(100);
      for (const s of sweeps) expect(size(s)).toBeLessThanOrEqual(SWEEP_TRIALS);
    }
    expect(splitSweeps(2 * SWEEP_TRIALS)).toHaveLength(2);
  });
});
