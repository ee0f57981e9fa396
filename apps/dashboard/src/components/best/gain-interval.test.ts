import type { BestTable } from '@sweeps/api-client';
import { describe, expect, it } from 'vitest';
import { axisExtent, intervalGeometry, noIntervalReason } from './gain-interval.ts';

type Row = BestTable['rows'][number];
const cell = (n: number) => ({
  checkpoint: 'b',
  optimizer: 'SGD',
  configHash: 'h',
  params: { lr: 0.1, weight_decay: 0 },
  mean: 0.5,
  std: n > 1 ? 0.01 : null,
  n,
});
const row = (over: Partial<Row>): Row => ({
  checkpoint: 'b',
  baseline: false,
  outcome: 'ok',
  status: 'ok',
  best: cell(3),
  gain: 0.02,
  gain_ci95: [-0.01, 0.05],
  runner_up: null,
  p_vs_runner_up: null,
  within_noise: true,
  ...over,
});

describe('the gain interval drawing', () => {
  it('puts every row on one axis symmetric about zero, the baseline row left out', () => {
    const rows = [
      row({ baseline: true, gain: 0, gain_ci95: null }),
      row({}),
      row({ gain: -0.08, gain_ci95: [-0.1, -0.06] }),
    ];
    expect(axisExtent(rows)).toBe(0.1);
    const g = intervalGeometry(0.02, [-0.01, 0.05], 0.1);
    expect(g).toEqual({ zero: 50, low: 45, high: 75, gain: 60 });
    expect(intervalGeometry(-0.08, [-0.1, -0.06], 0.1)).toEqual({
      zero: 50,
      low: 0,
      high: 20,
      gain: 10,
    });
  });

  it('has an axis of 1 and no interval when no row has a gain', () => {
    expect(axisExtent([row({ gain: null, gain_ci95: null })])).toBe(1);
    expect(intervalGeometry(null, null, 1)).toEqual({
      zero: 50,
      low: null,
      high: null,
      gain: null,
    });
  });

  it('says why a row has no interval: one seed on either side, no baseline, no result', () => {
    expect(noIntervalReason(row({}), 3)).toBeNull();
    expect(noIntervalReason(row({ gain_ci95: null, best: cell(1) }), 3)).toBe(
      'one seed: no interval',
    );
    expect(noIntervalReason(row({ gain_ci95: null }), 1)).toBe('one seed: no interval');
    expect(noIntervalReason(row({ gain_ci95: null }), null)).toBe('no baseline result');
    expect(noIntervalReason(row({ gain_ci95: null, best: null }), 3)).toBe('no result yet');
  });
});
