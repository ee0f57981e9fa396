import { describe, expect, it } from 'vitest';
import { metric, metricNotation, param, signedMetric, spread } from './format.ts';

describe('hyperparameters', () => {
  it('are written in their shortest round-trip form, without binary noise', () => {
    expect(param(3e-5)).toBe('3e-5');
    expect(param(3.0000000000000004e-5)).toBe('3e-5');
    expect(param(0.1 + 0.2)).toBe('0.3');
    expect(param(1e-4)).toBe('1e-4');
    expect(param(2.5e-4)).toBe('2.5e-4');
    expect(param(0.00012345678)).toBe('1.2345678e-4');
    expect(param(0.001)).toBe('0.001');
    expect(param(0.02)).toBe('0.02');
    expect(param(0.9)).toBe('0.9');
    expect(param(10)).toBe('10');
    expect(param(0)).toBe('0');
    expect(param(true)).toBe('true');
  });
});

describe("a sweep's metric notation", () => {
  it('keeps 4 significant digits of the largest value for every value of the sweep', () => {
    const n = metricNotation([0.3116, -7.71e-4, null, Number.NaN]);
    expect(n).toEqual({ kind: 'fixed', digits: 4 });
    expect(metric(0.3116, n)).toBe('0.3116');
    expect(metric(-7.71e-4, n)).toBe('-0.0008');
    expect(metric(-0.00001, n)).toBe('0.0000');
    const loss = metricNotation([12.5, 3.2]);
    expect(loss).toEqual({ kind: 'fixed', digits: 2 });
    expect(metric(3.2, loss)).toBe('3.20');
    expect(metricNotation([])).toEqual({ kind: 'fixed', digits: 4 });
    const tiny = metricNotation([2.5e-5, 1e-6]);
    expect(tiny).toEqual({ kind: 'exp', digits: 3 });
    expect(metric(1e-6, tiny)).toBe('1.000e-6');
  });

  it('writes gains with their sign and sds in the same notation, a nonzero sd never as 0', () => {
    const n = metricNotation([0.92]);
    expect(signedMetric(0.0271, n)).toBe('+0.0271');
    expect(signedMetric(-0.004, n)).toBe('-0.0040');
    expect(signedMetric(0, n)).toBe('+0.0000');
    expect(signedMetric(-0.00001, n)).toBe('+0.0000');
    expect(signedMetric(null, n)).toBe('');
    expect(spread(0.0014, n)).toBe('0.0014');
    expect(spread(0.00001, n)).toBe('<0.0001');
    expect(spread(0, n)).toBe('0.0000');
    expect(spread(null, n)).toBe('–');
  });
});
