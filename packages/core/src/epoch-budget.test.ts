import { describe, expect, it } from 'vitest';
import { expectedPromotions } from './epoch-budget.ts';
import { AshaStrategySchema, settleRung, type RungStanding } from './strategy.ts';
import { epochBudget } from './strategy-rules.ts';

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
      pauses: false,
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

  it('prices the pausing form close to synchronous halving: fewest = typical, expected a little above', () => {
    const b = epochBudget(asha(3, 3), 12, 12, 2, true);
    expect(b).toMatchObject({ pauses: true, fullGrid: 288, most: 288, fewest: 126, typical: 126 });
    // 12 x 3 + E[promoted of 12] x 6 + E[promoted of that] x 3 per checkpoint, E[promoted of 12] about 4.6
    expect(b.expected).toBeGreaterThan(126);
    expect(b.expected).toBeLessThan(epochBudget(asha(3, 3), 12, 12, 2).expected);
    for (const n of [3, 12, 48, 192]) {
      const p = epochBudget(asha(3, 3), 12, n, 1, true);
      expect(p.expected).toBeGreaterThanOrEqual(p.typical);
      expect(p.expected).toBeLessThanOrEqual(p.fullGrid);
    }
  });
});

describe('expected promotions under pausing', () => {
  /** The promotion form played out with core's own rule, arrivals in the given order of values. */
  function promoted(values: number[], rf: number): number {
    const st: RungStanding[] = [];
    values.forEach((value, i) => {
      st.push({ trialId: `t${i}`, value, outcome: 'paused' });
      const s = settleRung(st, rf, 'maximize', i === values.length - 1);
      for (const x of st) {
        if (s.promote.includes(x.trialId)) x.outcome = 'promoted';
        if (s.prune.includes(x.trialId)) x.outcome = 'pruned';
      }
    });
    return st.filter((x) => x.outcome === 'promoted').length;
  }

  it('equals the rule played out over every order of a small rung', () => {
    // all 5! orders of 5 values with factor 2: the exact mean, against the seeded estimate
    const perms: number[][] = [];
    const permute = (rest: number[], acc: number[]) => {
      if (rest.length === 0) perms.push(acc);
      for (const [i, v] of rest.entries())
        permute([...rest.slice(0, i), ...rest.slice(i + 1)], [...acc, v]);
    };
    permute([1, 2, 3, 4, 5], []);
    const exact = perms.reduce((a, p) => a + promoted(p, 2), 0) / perms.length;
    expect(expectedPromotions(5, 2)).toBeCloseTo(exact, 1);
    // best first: synchronous halving's count; worst first: all but the first rf - 1 go on
    expect(promoted([12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1], 3)).toBe(4);
    expect(promoted([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], 3)).toBe(10);
    expect(expectedPromotions(1, 3)).toBe(1);
    expect(expectedPromotions(0, 3)).toBe(0);
  });
});
