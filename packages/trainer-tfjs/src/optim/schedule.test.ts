import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { lrAt, rescaleSteps, type StepScheduleConfig } from './schedule.ts';

interface ScheduleFixture {
  config: StepScheduleConfig;
  lrs: number[];
  multiStepEpochLrs: number[];
}

const fixtures = JSON.parse(
  readFileSync(new URL('../../fixtures/optim/schedule.json', import.meta.url), 'utf8'),
) as Record<string, ScheduleFixture>;

describe('lrAt against the mmcv formula and torch MultiStepLR (fixtures/optim/schedule.json)', () => {
  for (const [name, f] of Object.entries(fixtures)) {
    it(`${name}: every iteration`, () => {
      f.lrs.forEach((expected, iter) => {
        expect(Math.abs(lrAt(iter, f.config) - expected)).toBeLessThanOrEqual(1e-12 * expected);
      });
    });
  }

  it('1x: starts at ratio x lr, reaches lr at iteration 500, decays after epochs 8 and 11', () => {
    const c = fixtures['1x']?.config as StepScheduleConfig;
    expect(lrAt(0, c)).toBeCloseTo(0.02 * 0.001, 15);
    expect(lrAt(500, c)).toBe(0.02);
    expect(lrAt(799, c)).toBe(0.02);
    expect(lrAt(800, c)).toBeCloseTo(0.002, 15);
    expect(lrAt(1100, c)).toBeCloseTo(0.0002, 15);
  });

  it('refuses invalid warm-up settings as mmcv does', () => {
    const warmup = { iters: 1, ratio: 0 };
    const c: StepScheduleConfig = { baseLr: 1, itersPerEpoch: 1, epochs: 1, steps: [1], warmup };
    expect(() => lrAt(0, c)).toThrow(/ratio/);
  });
});

describe('rescaleSteps', () => {
  it('keeps 1x, gives MMDetection 2x, rounds down and keeps every decay inside shorter runs', () => {
    expect(rescaleSteps(12)).toEqual([8, 11]);
    expect(rescaleSteps(24)).toEqual([16, 22]);
    expect(rescaleSteps(36)).toEqual([24, 33]);
    expect(rescaleSteps(6)).toEqual([4, 5]);
    expect(rescaleSteps(3)).toEqual([2, 2]);
    expect(rescaleSteps(1)).toEqual([1, 1]);
  });
});
