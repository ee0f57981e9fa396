import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { DomainError } from './errors.ts';
import { configHashOf, expandSpace } from './grid.ts';
import { planSweep } from './plan.ts';
import { substitute } from './placeholders.ts';
import type { TrainerSectionRules } from './trainer.ts';

const studyYaml = readFileSync(new URL('./fixtures/r50-study-demo.yaml', import.meta.url), 'utf8');
// biome-ignore lint/suspicious/noExplicitAny: the cases below turn a parsed file into deliberately invalid shapes
type RawSpec = Record<string, any>;
const study = () => parse(studyYaml) as RawSpec;

/**
 * A trainer catalogue of one kind for these tests (core imports no trainer): a command-like section whose entries
 * are templates. The real kinds are tested with the real catalogue in @sweeps/trainers.
 */
const KINDS: TrainerSectionRules[] = [
  {
    kind: 'command',
    schema: z.looseObject({ kind: z.literal('command'), command: z.array(z.string()).min(1) }),
    templates: (t) =>
      (t.command as string[]).map((template, i) => ({ path: `trainer.command[${i}]`, template })),
    check: (t) =>
      (t.command as string[]).includes('--bad')
        ? [{ path: 'trainer.command', message: 'no --bad here' }]
        : [],
  },
];

function planError(input: unknown, maxTrials?: number): DomainError {
  try {
    planSweep(input, maxTrials === undefined ? {} : { maxTrials }, KINDS);
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    return err as DomainError;
  }
  throw new Error('expected the plan to be refused');
}

describe('planSweep on the study sweep from the issue', () => {
  it('accepts it as written and counts 12 cells x 2 checkpoints', () => {
    const plan = planSweep(study());
    expect(plan.cells).toHaveLength(12);
    expect(plan.trialsPerCheckpoint).toBe(12);
    expect(plan.totalTrials).toBe(24);
    expect(plan.refused).toEqual([]);
    expect(plan.spec.checkpoints[0]).toMatchObject({ name: 'r50-base', baseline: true });
    expect(plan.spec.checkpoints[1]!.baseline).toBe(false);
    expect(plan.cells[0]).toMatchObject({
      optimizer: 'SGD',
      params: { lr: 0.01, weight_decay: 1e-5, momentum: 0.9 },
    });
    expect(plan.cells[6]).toMatchObject({
      optimizer: 'AdamW',
      params: { lr: 1e-4, weight_decay: 0.05 },
    });
  });

  it('gives every cell a distinct hash that does not depend on key order', () => {
    const plan = planSweep(study());
    expect(new Set(plan.cells.map((c) => c.configHash)).size).toBe(12);
    expect(configHashOf('SGD', { weight_decay: 1e-4, lr: 0.02, momentum: 0.9 })).toBe(
      configHashOf('SGD', { momentum: 0.9, lr: 0.02, weight_decay: 1e-4 }),
    );
    expect(configHashOf('SGD', { lr: 0.02, weight_decay: 1e-4 })).not.toBe(
      configHashOf('AdamW', { lr: 0.02, weight_decay: 1e-4 }),
    );
  });

  it('keeps hashes stable when the grid grows (extend re-uses old cells)', () => {
    const small = expandSpace(planSweep(study()).spec.space).cells.map((c) => c.configHash);
    const spec = study();
    spec.space.optimizer.AdamW.lr.push(4e-4);
    const big = planSweep(spec).cells.map((c) => c.configHash);
    expect(big.length).toBe(14);
    expect(small.every((h) => big.includes(h))).toBe(true);
  });

  it('substitutes each placeholder into one argv entry', () => {
    const plan = planSweep(study());
    const cell = plan.cells[0]!;
    const values = {
      ...cell.params,
      ...plan.spec.fixed,
      optimizer: cell.optimizer,
      seed: 0,
      'checkpoint.uri': 'file:///x y;rm -rf /',
    };
    const argv = (plan.spec.trainer.command as string[]).map((t) => substitute(t, values));
    expect(argv).toEqual([
      'node',
      'train.mjs',
      '--optimizer',
      'SGD',
      '--lr',
      '0.01',
      '--weight-decay',
      '0.00001',
      '--checkpoint',
      'file:///x y;rm -rf /',
      '--seed',
      '0',
      '--epochs',
      '12',
    ]);
  });
});

describe('planSweep refuses bad input, naming every path and value', () => {
  it('reports a duplicate value as refused, not an error', () => {
    const spec = study();
    spec.space.optimizer.SGD.lr = [0.01, 0.01, 0.02];
    const plan = planSweep(spec);
    expect(plan.cells.filter((c) => c.optimizer === 'SGD')).toHaveLength(4);
    expect(plan.refused).toEqual([
      expect.objectContaining({ path: 'space.optimizer.SGD.lr[1]', value: 0.01 }),
    ]);
  });

  const cases: Array<[string, (s: RawSpec) => void, string, unknown?]> = [
    [
      'negative lr',
      (s) => {
        s.space.optimizer.SGD.lr = [0.01, -0.02];
      },
      'space.optimizer.SGD.lr[1]',
      -0.02,
    ],
    [
      'empty list',
      (s) => {
        s.space.optimizer.AdamW.weight_decay = [];
      },
      'space.optimizer.AdamW.weight_decay',
      [],
    ],
    [
      'unknown optimizer',
      (s) => {
        s.space.optimizer.Adam = { lr: [1e-3], weight_decay: [0] };
      },
      'space.optimizer',
    ],
    [
      'unknown field',
      (s) => {
        s.colour = 'blue';
      },
      '(root)',
    ],
    [
      'wrong type',
      (s) => {
        s.seeds = 'zero';
      },
      'seeds',
      'zero',
    ],
    [
      'duplicate checkpoint',
      (s) => {
        s.checkpoints[1].name = 'r50-base';
      },
      'checkpoints[1].name',
      'r50-base',
    ],
    [
      'two baselines',
      (s) => {
        s.checkpoints[1].baseline = true;
      },
      'checkpoints[1].baseline',
    ],
    [
      'missing metric',
      (s) => {
        delete s.metric;
      },
      'metric',
    ],
    [
      'unknown trainer',
      (s) => {
        s.trainer = { kind: 'ray' };
      },
      'trainer.kind',
      'ray',
    ],
    [
      'placeholder without value',
      (s) => {
        s.trainer.command.push('--momentum', '{momentum}');
      },
      'trainer.command[15]',
      '{momentum}',
    ],
  ];
  for (const [what, mutate, path, value] of cases) {
    it(what, () => {
      const spec = study();
      mutate(spec);
      const err = planError(spec);
      expect(err.code).toBe('INVALID_SPEC');
      const issue = err.issues.find((i) => i.path === path);
      expect(issue, JSON.stringify(err.issues)).toBeDefined();
      if (value !== undefined) expect(issue!.value).toEqual(value);
      expect(err.message).toContain(path);
    });
  }

  it('names the known optimizers when one is unknown', () => {
    const spec = study();
    spec.space.optimizer.Adam = { lr: [1e-3], weight_decay: [0] };
    expect(planError(spec).issues[0]!.message).toMatch(/Adam.*known optimizers: SGD, AdamW/);
  });

  it('says which optimizer lacks a placeholder value', () => {
    const spec = study();
    spec.trainer.command.push('{momentum}');
    expect(planError(spec).issues[0]!.message).toMatch(
      /\{momentum\} has no value for AdamW trials/,
    );
  });

  it('refuses more trials than the limit, before expanding', () => {
    const spec = study();
    spec.seeds = Array.from({ length: 500 }, (_, i) => i);
    const err = planError(spec);
    expect(err.code).toBe('TOO_MANY_TRIALS');
    expect(err.message).toContain('12000 trials');
    expect(planError(study(), 10).code).toBe('TOO_MANY_TRIALS');
  });

  it("runs the kind's own check after the file's", () => {
    const spec = study();
    spec.trainer.command.push('--bad');
    const err = planError(spec);
    expect(err.message).toMatch(
      /^The trainer's options have 1 problem: trainer.command: no --bad here/,
    );
  });

  it('reports a bad trainer section with the rest of the file, and reads any kind without a catalogue', () => {
    const spec = study();
    spec.seeds = [0, 0];
    spec.trainer.command = [];
    const paths = planError(spec).issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['trainer.command', 'seeds[1]']));
    const unlisted = { ...study(), trainer: { kind: 'ray', anything: 1 } };
    expect(planSweep(unlisted).spec.trainer).toEqual({ kind: 'ray', anything: 1 });
  });

  it('reports several problems at once', () => {
    const spec = study();
    spec.space.optimizer.SGD.lr = [-1];
    spec.seeds = [0, 0];
    const paths = planError(spec).issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['space.optimizer.SGD.lr[0]', 'seeds[1]']));
  });
});
