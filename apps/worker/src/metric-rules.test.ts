import { describe, expect, it } from 'vitest';
import { PermanentTrialError } from '@sweeps/core';
import { MAX_METRIC_NAMES, MetricRules } from './metric-rules.ts';

describe('metric rules', () => {
  it('accepts epochs that fit the column and names of the pattern', () => {
    const rules = new MetricRules();
    expect(() => rules.check(1, { bbox_mAP: 0.3, bbox_mAP_50: 0.5, 'val.acc': 1 })).not.toThrow();
    expect(() => rules.check(1_000, { loss: 1 })).not.toThrow();
    expect(() => new MetricRules(1_000_000).check(1_000_000, { loss: 1 })).not.toThrow();
  });

  it("stops a trial at the worker's epoch cap and bounds the metrics of one epoch", () => {
    const refusal = (f: () => void) => {
      try {
        f();
      } catch (err) {
        expect(err).toBeInstanceOf(PermanentTrialError);
        expect((err as PermanentTrialError).reason).toBe('invalid');
        return (err as Error).message;
      }
      throw new Error('not refused');
    };
    expect(refusal(() => new MetricRules().check(1_001, { loss: 1 }))).toBe(
      'the trainer reported epoch 1001: this worker keeps at most 1,000 epochs per trial (SWEEPS_MAX_EPOCHS_PER_TRIAL), so the trial was stopped; its earlier epochs are kept',
    );
    expect(refusal(() => new MetricRules(5).check(6, { loss: 1 }))).toMatch(/at most 5 epochs/);
    const wide = Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`m${i}`, i]));
    expect(refusal(() => new MetricRules().check(1, wide))).toMatch(
      /201 metrics for epoch 1: at most 200 per epoch/,
    );
  });

  it('refuses epochs out of range, bad names and too many names, with a readable reason', () => {
    const rules = new MetricRules();
    const reason = (f: () => void) => {
      try {
        f();
      } catch (err) {
        expect(err).toBeInstanceOf(PermanentTrialError);
        return (err as Error).message;
      }
      throw new Error('not refused');
    };
    expect(reason(() => rules.check(3_000_000_000, { loss: 1 }))).toMatch(/epoch 3000000000/);
    expect(reason(() => rules.check(-1, { loss: 1 }))).toMatch(/epoch -1/);
    expect(reason(() => rules.check(1, { 'a\u0000b': 1 }))).toContain('"a\\u0000b"');
    expect(reason(() => rules.check(1, { 'x\u202ey': 1 }))).toContain('x\\u202ey');
    expect(reason(() => rules.check(1, { ['a'.repeat(101)]: 1 }))).toMatch(/1-100/);
    const names = Array.from({ length: MAX_METRIC_NAMES + 1 }, (_, i) => [`m${i}`, i]);
    const spread = new MetricRules(); // within the per-epoch bound, over two epochs
    spread.check(1, Object.fromEntries(names.slice(0, 200)));
    expect(reason(() => spread.check(2, Object.fromEntries(names.slice(200))))).toMatch(
      /more than 256 metric names/,
    );
  });
});
