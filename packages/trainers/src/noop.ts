/**
 * The `noop` kind: trains nothing, to measure the orchestration around a trial (benchmarks, tests). It has no
 * package of its own; its runtime is one small file here.
 */
import { type TrainerDescriptor, TrialTimeoutSchema } from '@sweeps/core';
import { z } from 'zod';

export const NoopTrainerSchema = z.strictObject({
  kind: z.literal('noop'),
  /** How long each trial pretends to train, per epoch. */
  epoch_ms: z.number().int().min(0).max(60_000).default(0),
  timeout_s: TrialTimeoutSchema,
});

export const noopTrainer: TrainerDescriptor = {
  kind: 'noop',
  schema: NoopTrainerSchema,
  async load() {
    const { NoopTrainer } = await import('./noop-trainer.ts');
    return () => new NoopTrainer();
  },
};
