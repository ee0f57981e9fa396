import { describe, expect, it } from 'vitest';
import { formatFixed, numpyMean } from './numpy-compat.ts';
import { linspace } from './params.ts';

// Reference values printed by numpy 2.4 / Python 3.11 (repr of each float).

describe('linspace', () => {
  it('gives numpy’s IoU thresholds bit for bit (0.8999999999999999 included)', () => {
    expect(linspace(0.5, 0.95, 10)).toEqual([
      0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.8999999999999999, 0.95,
    ]);
  });

  it('gives numpy’s recall thresholds bit for bit', () => {
    const r = linspace(0, 1, 101);
    expect([0, 3, 7, 29, 57, 99, 100].map((i) => r[i])).toEqual([
      0, 0.03, 0.07, 0.29, 0.5700000000000001, 0.99, 1,
    ]);
  });
});

describe('numpyMean', () => {
  const x = Float64Array.from({ length: 1000 }, (_, i) => 0.1 * i + 1 / 3);
  it('matches np.mean (pairwise summation) on short and long arrays', () => {
    expect(numpyMean(x, 1000)).toBe(50.28333333333334);
    expect(numpyMean(x, 37)).toBe(2.1333333333333333);
    expect(numpyMean(x, 5)).toBe(0.5333333333333333);
  });
});

describe('formatFixed (Python format, round half to even on exact ties)', () => {
  const cases: [number, string, string][] = [
    [0.0625, '0.062', '0.06'],
    [0.1875, '0.188', '0.19'],
    [0.3125, '0.312', '0.31'],
    [0.5625, '0.562', '0.56'],
    [0.0005, '0.001', '0.00'],
    [0.0015, '0.002', '0.00'],
    [0.2345, '0.234', '0.23'],
    [1 / 3, '0.333', '0.33'],
    [-1, '-1.000', '-1.00'],
    [0.9999999999999998, '1.000', '1.00'],
    [0.125, '0.125', '0.12'],
    [0.375, '0.375', '0.38'],
  ];
  for (const [value, three, two] of cases) {
    it(`${value} → ${three} / ${two}`, () => {
      expect(formatFixed(value, 3)).toBe(three);
      expect(formatFixed(value, 2)).toBe(two);
    });
  }
});
