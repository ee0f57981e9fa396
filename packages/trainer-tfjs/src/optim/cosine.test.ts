import { describe, expect, it } from 'vitest';

import { recipeFixture } from '../testing/recipe-fixture.ts';
import { type CosineScheduleConfig, cosineLrAt } from './cosine.ts';

type CosineFixture = Record<string, { config: CosineScheduleConfig; lrs: number[] }>;

describe('cosine schedule with linear warm-up', () => {
  const cases = recipeFixture<CosineFixture>('cosine');

  it.each(Object.keys(cases))("matches torch's LinearLR then CosineAnnealingLR: %s", (name) => {
    const { config, lrs } = cases[name] as CosineFixture[string];
    lrs.forEach((expected, it) => {
      expect(Math.abs(cosineLrAt(it, config) - expected), `iteration ${it}`).toBeLessThan(
        1e-9 + 1e-9 * expected,
      );
    });
  });

  it('by hand: starts at ratio x lr, peaks after warm-up, halfway at the mean, ends at minLr', () => {
    const c = { baseLr: 1, totalIters: 110, warmupIters: 10, warmupRatio: 0.1, minLr: 0.2 };
    expect(cosineLrAt(0, c)).toBeCloseTo(0.1, 12);
    expect(cosineLrAt(5, c)).toBeCloseTo(0.55, 12);
    expect(cosineLrAt(10, c)).toBe(1);
    expect(cosineLrAt(60, c)).toBeCloseTo(0.6, 12);
    expect(cosineLrAt(110, c)).toBeCloseTo(0.2, 12);
  });
});
