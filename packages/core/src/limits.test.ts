import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DomainError, type ErrorIssue } from './errors.ts';
import { DEFAULT_MAX_EPOCHS_PER_TRIAL } from './limits.ts';
import { type PlanLimits, planSweep } from './plan.ts';

const studyYaml = readFileSync(new URL('./fixtures/r50-study-demo.yaml', import.meta.url), 'utf8');
// biome-ignore lint/suspicious/noExplicitAny: the cases below write deliberately invalid values into the file
type RawSpec = Record<string, any>;
const study = (change: (s: RawSpec) => void = () => {}) => {
  const s = parse(studyYaml) as RawSpec;
  change(s);
  return s;
};

/** The one issue at `path` of the refusal of `input` (which must be refused as INVALID_SPEC). */
function refusal(input: unknown, path: string, limits: Partial<PlanLimits> = {}): ErrorIssue {
  let err: unknown;
  try {
    planSweep(input, limits);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(DomainError);
  expect((err as DomainError).code).toBe('INVALID_SPEC');
  const issue = (err as DomainError).issues.find((i) => i.path === path);
  expect(issue, `no issue at ${path}: ${(err as DomainError).message}`).toBeDefined();
  expect((err as DomainError).message).toContain(path);
  return issue!;
}

describe('epochs per trial are bounded at submission', () => {
  it('refuses fixed.epochs: 1e308, naming the field and the limit', () => {
    const issue = refusal(
      study((s) => {
        s.fixed.epochs = 1e308;
      }),
      'fixed.epochs',
    );
    expect(issue.message).toMatch(/whole number of epochs|at most/);
    expect(issue.value).toBe(1e308);
  });

  it('refuses epochs that are not whole numbers, or that are text', () => {
    for (const bad of [12.5, -3, '12', true]) {
      const issue = refusal(
        study((s) => {
          s.fixed.epochs = bad;
        }),
        'fixed.epochs',
      );
      expect(issue.message).toBe('must be a whole number of epochs (0 or more)');
    }
  });

  it('refuses more epochs than the default cap, and accepts the cap itself', () => {
    const over = refusal(
      study((s) => {
        s.fixed.epochs = DEFAULT_MAX_EPOCHS_PER_TRIAL + 1;
      }),
      'fixed.epochs',
    );
    expect(over.message).toBe(
      'at most 1,000 epochs per trial on this server (its SWEEPS_MAX_EPOCHS_PER_TRIAL)',
    );
    const plan = planSweep(
      study((s) => {
        s.fixed.epochs = DEFAULT_MAX_EPOCHS_PER_TRIAL;
      }),
    );
    expect(plan.spec.fixed.epochs).toBe(1000);
  });

  it("follows the server's configured cap, and bounds MMDetection's max_epochs too", () => {
    const input = study((s) => {
      s.fixed.epochs = 61; // the same epochs under both names
      s.fixed.max_epochs = 61;
    });
    expect(refusal(input, 'fixed.max_epochs', { maxEpochsPerTrial: 50 }).message).toMatch(
      /at most 50 epochs/,
    );
    const epochs = study((s) => void (s.fixed.epochs = 60));
    expect(refusal(epochs, 'fixed.epochs', { maxEpochsPerTrial: 50 }).value).toBe(60);
    expect(planSweep(input, { maxEpochsPerTrial: 5000 }).spec.fixed.max_epochs).toBe(61);
  });

  it('leaves other fixed numbers alone', () => {
    expect(planSweep(study((s) => void (s.fixed.warmup_iters = 1e12))).spec.fixed).toMatchObject({
      warmup_iters: 1e12,
    });
  });
});

describe('other numbers of the sweep file are bounded', () => {
  it.each([
    ['max_attempts', (s: RawSpec) => void (s.max_attempts = 1e308)],
    ['seeds[0]', (s: RawSpec) => void (s.seeds = [2 ** 40])],
    ['seeds', (s: RawSpec) => void (s.seeds = Array.from({ length: 1001 }, (_, i) => i))],
    [
      'space.optimizer.SGD.lr',
      (s: RawSpec) => void (s.space.optimizer.SGD.lr = new Array(1001).fill(0.1)),
    ],
    [
      'strategy.min_epochs',
      (s: RawSpec) => void (s.strategy = { kind: 'asha', min_epochs: 1e308 }),
    ],
    ['confirm.top', (s: RawSpec) => void (s.confirm = { top: 1e308, seeds: [1] })],
  ])('refuses an unbounded %s', (path, change) => {
    refusal(study(change), path);
  });
});

describe('trainer.env naming a never-settable variable', () => {
  it.each([
    'LD_PRELOAD',
    'LD_LIBRARY_PATH',
    'PATH',
    'NODE_OPTIONS',
    'PYTHONPATH',
    'CUDA_VISIBLE_DEVICES',
    'DATABASE_URL',
  ])('refuses %s at submission, naming it', (name) => {
    const issue = refusal(
      study((s) => {
        s.trainer.env = { MMDET_OK: '1', [name]: '/tmp/x.so' };
      }),
      `trainer.env.${name}`,
    );
    expect(issue.message).toMatch(new RegExp(`^a sweep may never set ${name}: no worker runs`));
  });

  it('accepts other names (each worker policy still decides)', () => {
    const plan = planSweep(study((s) => void (s.trainer.env = { MMDET_OK: '1' })));
    expect(plan.spec.trainer).toMatchObject({ env: { MMDET_OK: '1' } });
  });
});
