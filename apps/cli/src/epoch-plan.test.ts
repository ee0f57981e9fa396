import { planSweep, type TrainerSectionRules } from '@sweeps/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { epochPlanLines } from './epoch-plan.ts';

const spec = (extra: object) => ({
  name: 's',
  metric: { name: 'bbox_mAP' },
  trainer: { kind: 'noop' },
  checkpoints: [
    { name: 'a', uri: 'x' },
    { name: 'b', uri: 'y' },
  ],
  space: { optimizer: { SGD: { lr: [1, 2, 3, 4, 5, 6], weight_decay: [0, 1] } } },
  fixed: { epochs: 12 },
  ...extra,
});

/** A trainer kind whose trials resume from snapshots, as tfjs, mmdet and commands using `{resume_from}` do. */
const resuming: TrainerSectionRules = {
  kind: 'noop',
  schema: z.looseObject({ kind: z.literal('noop') }),
  resumes: () => true,
};

/** The preview fields the lines read, as the API builds them from the plan. */
function preview(extra: object, trainers: TrainerSectionRules[] = []) {
  const plan = planSweep(spec(extra), {}, trainers);
  return {
    strategy: plan.spec.strategy,
    epochs: plan.epochs,
    confirm: plan.spec.confirm ?? null,
    checkpoints: plan.spec.checkpoints.map((c) => ({
      name: c.name,
      baseline: c.baseline,
      trials: 12,
    })),
  };
}

describe('preview: the epoch plan', () => {
  it('shows an asha sweep rungs, most epochs, and the budget next to the full grid', () => {
    expect(epochPlanLines(preview({ strategy: { kind: 'asha' } }))).toEqual([
      'Strategy asha, reduction factor 3: rungs at epoch 3, 9; a trial runs at most 12 epochs.',
      "  At each rung a trial goes on only within the top third of its checkpoint's values there; the others are pruned at once (none waits: the trainer does not resume from snapshots, or the sweep says pause: false).",
      'Trial epochs: full grid 288; asha about 188 (65 %) expected, at least 126 (44 %), at most 288 (nothing pruned).',
    ]);
  });

  it('prices the pausing form for a trainer that resumes: close to synchronous halving', () => {
    const lines = epochPlanLines(preview({ strategy: { kind: 'asha' } }, [resuming]));
    expect(lines[1]).toBe(
      "  At each rung a trial goes on only within the top third of its checkpoint's values there; this trainer resumes from snapshots, so a trial the values so far do not decide waits there (paused) until they do, then resumes or is pruned.",
    );
    expect(lines[2]).toMatch(
      /^Trial epochs: full grid 288; asha about 1[34]\d \(4\d %\) expected, at least 126 \(44 %\), at most 288 \(nothing pruned\)\.$/,
    );
    // the sweep can ask for stop-or-go anyway
    const atOnce = epochPlanLines(
      preview({ strategy: { kind: 'asha', pause: false } }, [resuming]),
    );
    expect(atOnce[1]).toMatch(/pruned at once/);
    expect(atOnce[2]).toMatch(/asha about 188 \(65 %\) expected/);
  });

  it('shows a grid sweep as the full grid, and the confirm stage when there is one', () => {
    expect(epochPlanLines(preview({ confirm: { top: 2, seeds: [1, 2] } }))).toEqual([
      'Strategy grid: every trial runs all 12 epochs.',
      'Trial epochs: 288 (the full grid).',
      "Confirm stage: once a checkpoint's trials have finished, its top 2 cell(s) run again with seed(s) 1, 2 (up to 8 more trials, never pruned).",
    ]);
    expect(epochPlanLines(preview({ fixed: {} }))).toEqual(['Strategy grid.']);
  });
});
