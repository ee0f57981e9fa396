import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { planSweep, substitute } from '../packages/core/src/index.ts';

const here = dirname(fileURLToPath(import.meta.url));

describe('examples/mnist-sweep.yaml', () => {
  it('is a valid sweep: 12 cells x 2 checkpoints x 1 seed', () => {
    const plan = planSweep(parse(readFileSync(join(here, 'mnist-sweep.yaml'), 'utf8')));
    expect(plan.cells).toHaveLength(12);
    expect(plan.totalTrials).toBe(24);
    expect(plan.spec.checkpoints.find((c) => c.baseline)?.name).toBe('scratch');
  });

  it('its command substitutes to flags train.mjs accepts', () => {
    const plan = planSweep(parse(readFileSync(join(here, 'mnist-sweep.yaml'), 'utf8')));
    if (plan.spec.trainer.kind !== 'command') throw new Error('expected a command trainer');
    const cell = plan.cells[0]!;
    const values = {
      ...cell.params,
      ...plan.spec.fixed,
      optimizer: cell.optimizer,
      seed: 0,
      'checkpoint.uri': 'scratch',
    };
    const argv = (plan.spec.trainer.command as string[]).map((t) =>
      substitute(t, values as Record<string, string | number>),
    );
    expect(argv).toEqual([
      'node',
      'examples/mnist-classifier/train.mjs',
      '--optimizer',
      'SGD',
      '--lr',
      '0.001',
      '--weight-decay',
      '0.0001',
      '--checkpoint',
      'scratch',
      '--seed',
      '0',
      '--epochs',
      '3',
    ]);
  });
});
