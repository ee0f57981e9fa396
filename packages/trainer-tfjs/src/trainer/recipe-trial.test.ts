import { DomainError, planSweep, PermanentTrialError, type TrialRun } from '@sweeps/core';
import { describe, expect, it } from 'vitest';

import { tfjsTrainer } from '../descriptor.ts';
import { resolvePlan } from './options.ts';

// biome-ignore lint/suspicious/noExplicitAny: the cases below write deliberately invalid values into the file
type RawSpec = Record<string, any>;

/** A recipe sweep as a user writes it: rsb (LAMB, under AdamW), three seeds. */
const sweep = (change: (s: RawSpec) => void = () => {}): RawSpec => {
  const s: RawSpec = {
    name: 'pretrain-rsb',
    metric: { name: 'top1' },
    trainer: {
      kind: 'tfjs',
      options: { task: 'classification', recipe: 'rsb', save_dir: '.data/ckpt', batch_size: 32 },
    },
    checkpoints: [{ name: 'random', uri: 'scratch' }],
    space: { optimizer: { AdamW: { lr: [0.005], weight_decay: [0.01] } } },
    seeds: [0, 1, 2],
  };
  change(s);
  return s;
};

/** The issues planning finds in a sweep, by path. */
function issues(input: RawSpec): Record<string, string> {
  try {
    planSweep(input, {}, [tfjsTrainer]);
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    return Object.fromEntries(((err as DomainError).issues ?? []).map((i) => [i.path, i.message]));
  }
  return {};
}

describe('recipe sweeps at submission', () => {
  it('plans a recipe sweep: one trial per seed', () => {
    expect(issues(sweep())).toEqual({});
    expect(planSweep(sweep(), {}, [tfjsTrainer]).totalTrials).toBe(3);
  });

  it('names the recipe file’s recipes when the recipe is unknown', () => {
    expect(issues(sweep((s) => void (s.trainer.options.recipe = 'rsb-a2')))).toEqual({
      'trainer.options.recipe': expect.stringMatching(/no recipe "rsb-a2".*base, rsb, tnr/),
    });
  });

  it('needs task classification and a save_dir', () => {
    const found = issues(
      sweep((s) => {
        s.trainer.options.task = 'detection';
        delete s.trainer.options.save_dir;
      }),
    );
    expect(found['trainer.options.task']).toMatch(/task: classification/);
    expect(found['trainer.options.save_dir']).toMatch(/name the directory/);
  });

  it('trains from random weights: one scratch checkpoint', () => {
    expect(
      issues(sweep((s) => s.checkpoints.push({ name: 'r18', uri: 'file:///d/r18.safetensors' }))),
    ).toEqual({ checkpoints: expect.stringMatching(/exactly one checkpoint/) });
    expect(
      issues(sweep((s) => void (s.checkpoints = [{ name: 'r18', uri: '/d/r18.safetensors' }]))),
    ).toHaveProperty('checkpoints');
  });

  it('takes the recipe’s optimizer under its space key, one cell', () => {
    expect(
      issues(sweep((s) => void (s.space.optimizer = { SGD: { lr: [0.1], weight_decay: [0] } }))),
    ).toEqual({ 'space.optimizer': expect.stringMatching(/LAMB: name only AdamW/) });
    expect(
      issues(
        sweep((s) => {
          s.trainer.options.recipe = 'tnr';
          s.space.optimizer = { SGD: { lr: [0.01, 0.02], weight_decay: [2e-5] } };
        }),
      ),
    ).toEqual({ 'space.optimizer.SGD.lr': expect.stringMatching(/list one lr, not 2/) });
  });

  it('refuses a metric a recipe trial does not report', () => {
    expect(issues(sweep((s) => void (s.metric = { name: 'bbox_mAP' })))).toEqual({
      'metric.name': expect.stringMatching(/reports top1/),
    });
  });

  it('leaves sweeps without a recipe alone', () => {
    expect(
      issues(
        sweep((s) => {
          delete s.trainer.options.recipe;
          s.checkpoints.push({ name: 'r18', uri: 'scratch' });
        }),
      ),
    ).toEqual({});
  });
});

const trial = (over: Partial<TrialRun> = {}, options: Record<string, unknown> = {}): TrialRun => ({
  trialId: 't1',
  sweepId: 's1',
  seed: 2,
  metricName: 'top1',
  checkpoint: { name: 'random', uri: 'scratch' },
  optimizer: 'SGD',
  params: { lr: 0.015625, weight_decay: 2e-5 },
  fixed: {},
  trainer: {
    kind: 'tfjs',
    options: { task: 'classification', recipe: 'tnr', save_dir: '/tmp/ck', ...options },
  },
  ...over,
});

describe('a recipe trial’s plan', () => {
  it('writes <save_dir>/<recipe>-seed<seed>.safetensors and runs the recipe’s epochs unless fixed', () => {
    const plan = resolvePlan(trial());
    expect(plan.recipe).toEqual({ name: 'tnr', out: '/tmp/ck/tnr-seed2.safetensors' });
    expect(plan.epochs).toBe(30);
    expect(plan.optimizer).toMatchObject({ name: 'SGD', lr: 0.015625, weight_decay: 2e-5 });
    expect(resolvePlan(trial({ fixed: { epochs: 3 } })).epochs).toBe(3);
  });

  it('fails as invalid, naming the rule, when a trial breaks one', () => {
    try {
      resolvePlan(trial({ optimizer: 'AdamW', params: { lr: 1e-3, weight_decay: 0.05 } }));
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(PermanentTrialError);
      expect((err as PermanentTrialError).reason).toBe('invalid');
      expect((err as Error).message).toMatch(/space.optimizer: recipe "tnr" trains with SGD/);
    }
  });

  it('refuses a save_dir outside the worker’s directories', () => {
    expect(() => resolvePlan(trial(), '/work', ['/srv/data'])).toThrow(/trainer.options.save_dir/);
  });
});
