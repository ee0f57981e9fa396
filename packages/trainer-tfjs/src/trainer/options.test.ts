import { PermanentTrialError, type TrialRun } from '@sweeps/core';
import { describe, expect, it } from 'vitest';

import { detectorOverrides } from './detection-task.ts';
import { resolvePlan } from './options.ts';

const trial = (over: Partial<TrialRun> = {}, options: Record<string, unknown> = {}): TrialRun => ({
  trialId: 't1',
  sweepId: 's1',
  seed: 3,
  metricName: 'top1',
  checkpoint: { name: 'random', uri: 'scratch' },
  optimizer: 'AdamW',
  params: { lr: 2e-4, weight_decay: 0.05 },
  fixed: { epochs: 2, norm_decay_mult: 0 },
  trainer: { kind: 'tfjs', options: { task: 'classification', ...options } },
  ...over,
});

function invalid(run: () => unknown): PermanentTrialError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(PermanentTrialError);
    expect((err as PermanentTrialError).reason).toBe('invalid');
    return err as PermanentTrialError;
  }
  throw new Error('expected an invalid-trial error');
}

describe('resolvePlan', () => {
  it('maps params, fixed and options onto the optimizer and schedule', () => {
    const plan = resolvePlan(trial({}, { grad_clip: 35, warmup_iters: 100 }));
    expect(plan.optimizer).toEqual({
      name: 'AdamW',
      lr: 2e-4,
      weight_decay: 0.05,
      betas: [0.9, 0.999],
      eps: 1e-8,
      paramwise: { norm_decay_mult: 0 },
      grad_clip: { max_norm: 35 },
    });
    expect(plan).toMatchObject({
      task: 'classification',
      epochs: 2,
      seed: 3,
      normEval: false,
      init: { kind: 'scratch' },
    });
    expect(plan.schedule).toEqual({
      warmupIters: 100,
      warmupRatio: 0.001,
      warmupScaling: 'scaled',
    });
    const sgd = resolvePlan(
      trial({ optimizer: 'SGD', params: { lr: 0.02, weight_decay: 1e-4, momentum: 0.9 } }),
    );
    expect(sgd.optimizer).toMatchObject({
      name: 'SGD',
      lr: 0.02,
      weight_decay: 1e-4,
      momentum: 0.9,
      nesterov: false,
    });
  });

  it('names the bad option, an unknown option and a bad param', () => {
    expect(invalid(() => resolvePlan(trial({}, { batch_size: 0 }))).message).toMatch(
      /trainer\.options\.batch_size: Too small/,
    );
    expect(invalid(() => resolvePlan(trial({}, { batchsize: 8 }))).message).toContain(
      'trainer.options.batchsize: unknown option',
    );
    expect(invalid(() => resolvePlan(trial({}, { backend: 'webgl' }))).message).toContain(
      'trainer.options.backend',
    );
    expect(invalid(() => resolvePlan(trial({ params: { lr: -1 } }))).message).toContain(
      'params.lr',
    );
    expect(invalid(() => resolvePlan(trial({ fixed: { epochs: 1.5 } }))).message).toContain(
      'fixed.epochs',
    );
    expect(invalid(() => resolvePlan(trial({ optimizer: 'LAMB' }))).message).toContain(
      'unknown optimizer "LAMB"',
    );
  });

  it('explains a missing checkpoint file and an unsupported URI', () => {
    const missing = invalid(() =>
      resolvePlan(
        trial({ checkpoint: { name: 'r18-base', uri: 'file:///nowhere/base.safetensors' } }),
      ),
    );
    expect(missing.message).toBe(
      'checkpoint "r18-base": file /nowhere/base.safetensors not found (uri file:///nowhere/base.safetensors)',
    );
    expect(
      invalid(() => resolvePlan(trial({ checkpoint: { name: 'x', uri: 's3://bucket/x.pth' } })))
        .message,
    ).toContain('only file:// URIs');
  });

  it('takes detector preset overrides and refuses unknown ones', () => {
    const plan = resolvePlan(
      trial({}, { detector: { anchor_scales: [2, 4], rcnn_samples: 64, train_proposals: 200 } }),
    );
    expect(detectorOverrides(plan.options.detector)).toEqual({
      anchors: { scales: [2, 4] },
      rpn: { sampler: undefined, train: { maxPerImg: 200 }, test: undefined },
      bboxHead: { sampler: { num: 64, posFraction: undefined } },
    });
    expect(invalid(() => resolvePlan(trial({}, { detector: { anchors: [4] } }))).message).toContain(
      'trainer.options.detector.anchors: unknown option',
    );
    expect(
      invalid(() => resolvePlan(trial({}, { detector: { rcnn_pos_fraction: 2 } }))).message,
    ).toContain('trainer.options.detector.rcnn_pos_fraction');
  });
});
