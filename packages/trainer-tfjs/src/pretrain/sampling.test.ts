import { describe, expect, it } from 'vitest';

import { SeededRng } from '../train/rng.ts';
import { sampleBeta, sampleGamma } from './sampling.ts';

function moments(draw: () => number, n: number): [mean: number, variance: number] {
  const xs = Array.from({ length: n }, draw);
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  return [mean, xs.reduce((a, b) => a + (b - mean) ** 2, 0) / n];
}

describe('seeded draws', () => {
  const rng = new SeededRng(3);
  const u = () => rng.next();

  it.each([0.3, 1, 4])('Gamma(%s) has mean and variance equal to its shape', (shape) => {
    const [mean, variance] = moments(() => sampleGamma(u, shape), 6000);
    expect(Math.abs(mean - shape)).toBeLessThan(0.06 * Math.max(1, shape));
    expect(Math.abs(variance - shape)).toBeLessThan(0.15 * Math.max(1, shape));
  });

  it('Beta(2, 5) has mean 2/7 and variance 10/392', () => {
    const [mean, variance] = moments(() => sampleBeta(u, 2, 5), 6000);
    expect(Math.abs(mean - 2 / 7)).toBeLessThan(0.01);
    expect(Math.abs(variance - 10 / 392)).toBeLessThan(0.003);
  });

  it('rejects a non-positive shape', () => {
    expect(() => sampleGamma(u, 0)).toThrow(RangeError);
  });
});
