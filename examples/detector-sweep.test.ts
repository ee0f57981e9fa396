import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { planSweep, type TrialRun } from '../packages/core/src/index.ts';
import { resolvePlan } from '../packages/trainer-tfjs/src/trainer/options.ts';

const here = dirname(fileURLToPath(import.meta.url));

describe('examples/detector-sweep.yaml', () => {
  it('is a valid tfjs sweep whose options the trainer accepts', () => {
    const plan = planSweep(parse(readFileSync(join(here, 'detector-sweep.yaml'), 'utf8')));
    expect(plan.totalTrials).toBe(24);
    expect(plan.spec.trainer.kind).toBe('tfjs');
    const cell = plan.cells[0]!;
    const trial: TrialRun = {
      trialId: 't',
      sweepId: 's',
      seed: 0,
      metricName: 'bbox_mAP',
      optimizer: cell.optimizer,
      params: cell.params,
      checkpoint: { name: 'random', uri: 'scratch' },
      fixed: plan.spec.fixed,
      trainer: {
        ...plan.spec.trainer,
        options: {
          ...(plan.spec.trainer.options as Record<string, unknown>),
          data_dir: here,
        },
      },
    };
    expect(resolvePlan(trial).task).toBe('detection');
  });
});
