import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  studentTCdf,
  studentTQuantile,
  summarize,
  welchInterval,
  welchParts,
  welchPValue,
} from './statistics.ts';

// Computed with scipy 1.17 by fixtures/welch_fixtures.py (stats.t.ppf, stats.ttest_ind(equal_var=False)).
const fixtures = JSON.parse(
  readFileSync(new URL('./fixtures/welch.json', import.meta.url), 'utf8'),
) as {
  welch: Array<{ a: number[]; b: number[]; diff: number; df: number; ci95: number[]; p: number }>;
  t_quantile: Array<{ p: number; df: number; q: number; cdf_at_1: number }>;
};

const close = (actual: number, expected: number, rel = 1e-9) =>
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(expected)));

describe('Student t distribution against scipy', () => {
  it.each(fixtures.t_quantile)('quantile p=$p df=$df', ({ p, df, q, cdf_at_1 }) => {
    close(studentTQuantile(p, df), q);
    close(studentTCdf(1, df), cdf_at_1, 1e-12);
    close(studentTCdf(studentTQuantile(p, df), df), p, 1e-9);
  });

  it('is symmetric and refuses what is not a probability', () => {
    expect(studentTQuantile(0.5, 3)).toBe(0);
    close(studentTQuantile(0.025, 7), -studentTQuantile(0.975, 7));
    expect(studentTQuantile(1, 3)).toBeNaN();
    expect(studentTQuantile(0.9, 0)).toBeNaN();
  });
});

describe('Welch interval and t-test against scipy', () => {
  it.each(fixtures.welch.map((c, i) => ({ i, ...c })))('case $i', ({ a, b, diff, df, ci95, p }) => {
    const sa = summarize(a);
    const sb = summarize(b);
    const parts = welchParts(sa, sb)!;
    close(parts.diff, diff, 1e-12);
    close(parts.df, df, 1e-9);
    const ci = welchInterval(sa, sb)!;
    close(ci[0], ci95[0]!);
    close(ci[1], ci95[1]!);
    close(welchPValue(sa, sb)!, p, 1e-8);
  });

  it('needs two values on each side', () => {
    expect(welchInterval(summarize([0.4]), summarize([0.3, 0.31]))).toBeNull();
    expect(welchPValue(summarize([0.3, 0.31]), summarize([0.4]))).toBeNull();
  });

  it('is the difference itself when nothing varies', () => {
    expect(welchInterval(summarize([0.5, 0.5]), summarize([0.4, 0.4]))).toEqual([
      0.09999999999999998, 0.09999999999999998,
    ]);
    expect(welchPValue(summarize([0.5, 0.5]), summarize([0.4, 0.4]))).toBe(0);
    expect(welchPValue(summarize([0.5, 0.5]), summarize([0.5, 0.5]))).toBe(1);
  });
});
