import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { planSweep } from './plan.ts';
import { pruningPlanOf, trialFollowUpsOf } from './pruning-plan.ts';

const studyYaml = readFileSync(new URL('./fixtures/r50-study-demo.yaml', import.meta.url), 'utf8');

/** The study sweep (12 epochs, seed 0) with another strategy or confirm stage. */
const study = (extra: object) => planSweep({ ...parse(studyYaml), ...extra }).spec;
const asha = { kind: 'asha', min_epochs: 3, reduction_factor: 3 };

describe("a trial's pruning plan", () => {
  it('lists the rungs and metric of an asha trial, never of a confirm seed', () => {
    const confirmed = study({ strategy: asha, confirm: { top: 1, seeds: [5] } });
    expect(pruningPlanOf(confirmed, 0)).toEqual({
      rungs: [3, 9],
      metric: 'bbox_mAP',
      mayPause: true,
    });
    expect(pruningPlanOf(confirmed, 5)).toBeNull();
  });

  it('may not pause when the sweep says pause: false', () => {
    const decidedAtOnce = study({ strategy: { ...asha, pause: false } });
    expect(pruningPlanOf(decidedAtOnce, 0)).toMatchObject({ rungs: [3, 9], mayPause: false });
  });

  it('is null for a grid sweep, and without an integer number of epochs', () => {
    expect(pruningPlanOf(study({}), 0)).toBeNull();
    expect(pruningPlanOf({ ...study({ strategy: asha }), fixed: {} }, 0)).toBeNull();
  });
});

describe("what a trial's end sets off", () => {
  it('settles rungs only where trials can wait at one, and asks for confirm trials only with a confirm stage', () => {
    expect(trialFollowUpsOf(study({}))).toEqual({ settleRungs: false, confirm: false });
    expect(trialFollowUpsOf(study({ strategy: asha }))).toEqual({
      settleRungs: true,
      confirm: false,
    });
    expect(trialFollowUpsOf(study({ strategy: { ...asha, pause: false } }))).toEqual({
      settleRungs: false,
      confirm: false,
    });
    expect(trialFollowUpsOf(study({ confirm: { top: 1, seeds: [5] } }))).toEqual({
      settleRungs: false,
      confirm: true,
    });
  });
});
