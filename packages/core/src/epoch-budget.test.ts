import { describe, expect, it } from 'vitest';
import { epochBudget } from './epoch-budget.ts';
import { AshaStrategySchema } from './strategy.ts';

const asha = (min_epochs: number, reduction_factor: number) =>
  AshaStrategySchema.parse({ kind: 'asha', min_epochs, reduction_factor });

describe('epoch budget', () => {
  it('gives the full grid, the fewest, the synchronous ideal and the expected cost', () => {
    // 12 trials, rungs 3 and 9 of 12: fewest 12x3 + 4x6 (the first rung's places) + 1x3 = 63 per checkpoint, as
    // synchronous halving costs. Expected: the first rung passes sum min(1, 4/i) over i = 1..12 = 8.08 trials,
    // the second sum max(1, floor(i/3))/i over 8.08 arrivals = 3.18: 12x3 + 8.08x6 + 3.18x3 = 94 per checkpoint
    const b = epochBudget(asha(3, 3), 12, 12, 2);
    expect(b).toEqual({
      rungs: [3, 9],
      trialEpochs: 12,
      fullGrid: 288,
      most: 288,
      fewest: 126,
      typical: 126,
      expected: 188,
    });
    // rf 2 over 16 epochs: typical 12x2 + 6x2 + 3x4 + 1x8 = 56, fewest 12x2 + 6x2 + 1x4 + 1x8 = 48
    expect(epochBudget(asha(2, 2), 16, 12, 1)).toMatchObject({ fewest: 48, typical: 56 });
  });

  it('costs the full grid for a grid sweep and for no trials', () => {
    const g = epochBudget({ kind: 'grid' }, 12, 12, 2);
    expect(g).toMatchObject({ rungs: [], fullGrid: 288, fewest: 288, expected: 288 });
    expect(epochBudget(asha(3, 3), 12, 0, 2)).toMatchObject({ fullGrid: 0, expected: 0 });
  });

  it('expects more than the synchronous ideal and at most the full grid on bigger grids', () => {
    for (const n of [3, 12, 48, 192]) {
      const b = epochBudget(asha(3, 3), 12, n, 1);
      expect(b.expected).toBeGreaterThanOrEqual(b.typical);
      expect(b.expected).toBeLessThanOrEqual(b.fullGrid);
    }
  });
});
