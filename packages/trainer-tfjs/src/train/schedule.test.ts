import { describe, expect, it } from 'vitest';

import { lrAt } from '../optim/schedule.ts';
import { buildSchedule, warmupItersFor } from './schedule.ts';

describe('buildSchedule', () => {
  it('is the study 1x at full size: 500 warm-up iterations from 0.001 x lr, decays after epochs 8 and 11', () => {
    const s = buildSchedule({ baseLr: 0.02, epochs: 12, warmupScaling: 'fixed' }, 7330);
    expect(s).toEqual({
      baseLr: 0.02,
      itersPerEpoch: 7330,
      epochs: 12,
      steps: [8, 11],
      gamma: 0.1,
      warmup: { iters: 500, ratio: 0.001, kind: 'linear' },
    });
    expect(lrAt(0, s)).toBeCloseTo(2e-5, 12);
    expect(lrAt(8 * 7330, s)).toBeCloseTo(0.002, 12);
  });

  it('scales warm-up to the same share of training for small runs and rescales the decay epochs', () => {
    expect(warmupItersFor({ baseLr: 1, epochs: 12 }, 12 * 7330)).toBe(500);
    expect(warmupItersFor({ baseLr: 1, epochs: 6 }, 6 * 50)).toBe(2);
    expect(warmupItersFor({ baseLr: 1, epochs: 1 }, 3)).toBe(1);
    expect(warmupItersFor({ baseLr: 1, epochs: 6, warmupIters: 0 }, 300)).toBe(0);
    const s = buildSchedule({ baseLr: 0.1, epochs: 6, warmupIters: 0 }, 50);
    expect(s.steps).toEqual([4, 5]);
    expect(s.warmup).toBeUndefined();
    expect(
      buildSchedule({ baseLr: 0.1, epochs: 12, refSteps: [30, 60], refEpochs: 90 }, 10).steps,
    ).toEqual([4, 8]);
  });
});
