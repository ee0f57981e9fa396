import { DomainError, type ErrorIssue } from '@sweeps/core';
import { describe, expect, it } from 'vitest';
import { planWithTrainers, TRAINERS, trainerOf } from './index.ts';

// biome-ignore lint/suspicious/noExplicitAny: the cases below write deliberately invalid values into the file
type RawSpec = Record<string, any>;

/** A command sweep as a user writes it: 3 SGD cells and 2 AdamW cells. */
const sweep = (change: (s: RawSpec) => void = () => {}): RawSpec => {
  const s: RawSpec = {
    name: 'catalogue',
    metric: { name: 'bbox_mAP' },
    trainer: {
      kind: 'command',
      command: ['node', 'train.mjs', '--lr', '{lr}', '--epochs', '{epochs}'],
    },
    checkpoints: [{ name: 'r50', uri: 'file:///data/r50.safetensors' }],
    space: {
      optimizer: {
        SGD: { lr: [0.01, 0.02, 0.04], weight_decay: [1e-4] },
        AdamW: { lr: [1e-4, 2e-4], weight_decay: [0.05] },
      },
    },
    fixed: { epochs: 12 },
  };
  change(s);
  return s;
};

function refusal(input: unknown): DomainError {
  try {
    planWithTrainers(input);
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    return err as DomainError;
  }
  throw new Error('expected the sweep to be refused');
}

const issueAt = (err: DomainError, path: string): ErrorIssue => {
  const issue = err.issues.find((i) => i.path === path);
  expect(issue, `no issue at ${path}: ${err.message}`).toBeDefined();
  return issue!;
};

describe('the trainer catalogue', () => {
  it('lists each kind once, and finds it by kind', () => {
    const kinds = TRAINERS.map((t) => t.kind);
    expect(kinds).toEqual(['command', 'tfjs', 'mmdet', 'noop']);
    expect(new Set(kinds).size).toBe(kinds.length);
    for (const t of TRAINERS) expect(trainerOf(t.kind)).toBe(t);
    expect(trainerOf('ray')).toBeUndefined();
  });

  it('refuses a kind it does not list, naming trainer.kind and the value', () => {
    const err = refusal(sweep((s) => void (s.trainer = { kind: 'ray' })));
    expect(err.code).toBe('INVALID_SPEC');
    expect(issueAt(err, 'trainer.kind').value).toBe('ray');
  });

  it("parses the section with its kind's schema: defaults filled in, bounds and unknown fields refused", () => {
    expect(planWithTrainers(sweep()).spec.trainer).toEqual({
      kind: 'command',
      command: ['node', 'train.mjs', '--lr', '{lr}', '--epochs', '{epochs}'],
      metrics: { format: 'jsonl' },
    });
    expect(
      planWithTrainers(sweep((s) => void (s.trainer = { kind: 'noop' }))).spec.trainer,
    ).toEqual({
      kind: 'noop',
      epoch_ms: 0,
    });
    expect(
      planWithTrainers(sweep((s) => void (s.trainer = { kind: 'tfjs' }))).spec.trainer,
    ).toEqual({
      kind: 'tfjs',
      options: {},
    });
    issueAt(refusal(sweep((s) => void (s.trainer.timeout_s = 1e15))), 'trainer.timeout_s');
    issueAt(
      refusal(sweep((s) => void (s.trainer = { kind: 'noop', timeout_s: 1e15 }))),
      'trainer.timeout_s',
    );
    issueAt(
      refusal(sweep((s) => void (s.trainer = { kind: 'noop', epoch_ms: 1e308 }))),
      'trainer.epoch_ms',
    );
    expect(refusal(sweep((s) => void (s.trainer.shell = 'bash'))).issues[0]!.message).toBe(
      'unknown field: shell',
    );
  });

  it('keeps an mmdet section as written: its own check refuses bad fields, naming each path', () => {
    const mmdet = { kind: 'mmdet', version: 3, root: '/srv/mmdetection', config: 'c.py' };
    const plan = planWithTrainers(
      sweep((s) => {
        s.trainer = mmdet;
        s.fixed = { max_epochs: 12 };
      }),
    );
    expect(plan.spec.trainer).toEqual(mmdet);
    const err = refusal(sweep((s) => void (s.trainer = { ...mmdet, depht: 3 })));
    expect(err.message).toMatch(/^The trainer's options have/);
    issueAt(err, 'trainer');
  });

  it('refuses a command placeholder that some trials have no value for, naming the optimizers', () => {
    const err = refusal(sweep((s) => void s.trainer.command.push('--momentum', '{momentum}')));
    expect(issueAt(err, 'trainer.command[7]').value).toBe('{momentum}');
    expect(err.message).toMatch(/^The command template has placeholders without values/);
    expect(err.issues[0]!.message).toMatch(/\{momentum\} has no value for AdamW trials/);
    const inEnv = refusal(sweep((s) => void (s.trainer.env = { MOM: '{momentum}' })));
    issueAt(inEnv, 'trainer.env.MOM');
    const file = sweep((s) => void (s.trainer.metrics = { format: 'file', path: '{nope}/m.json' }));
    issueAt(refusal(file), 'trainer.metrics.path');
  });

  it("runs each kind's check: a tfjs option typo, a command regex that does not compile", () => {
    const tfjs = refusal(sweep((s) => void (s.trainer = { kind: 'tfjs', options: { depht: 3 } })));
    expect(issueAt(tfjs, 'trainer.options').message).toBe('unknown option(s): depht');
    const regex = refusal(
      sweep((s) => void (s.trainer.metrics = { format: 'regex', pattern: '(?<epoch>\\d+' })),
    );
    issueAt(regex, 'trainer.metrics.pattern');
  });

  it('says which kinds resume from their snapshots, so asha pauses their trials', () => {
    const resumes = (trainer: RawSpec) =>
      planWithTrainers(sweep((s) => void Object.assign(s, { trainer, strategy: { kind: 'asha' } })))
        .epochs?.pauses;
    expect(resumes({ kind: 'command', command: ['node', 'train.mjs'] })).toBe(false);
    expect(resumes({ kind: 'command', command: ['node', 'train.mjs', '{resume_from}'] })).toBe(
      true,
    );
    expect(resumes({ kind: 'tfjs' })).toBe(true);
    expect(resumes({ kind: 'noop' })).toBe(false);
  });
});
