/** The `tfjs` kind in the trainer catalogue (see `TrainerDescriptor` in @sweeps/core). */
import { type TrainerDescriptor, TrialTimeoutSchema } from '@sweeps/core';
import { z } from 'zod';
import { checkTfjsSection } from './trainer/spec-check.ts';

/** The built-in TF.js detector trainer; its options are checked by its own option schema ({@link checkTfjsSection}). */
export const TfjsTrainerSchema = z.strictObject({
  kind: z.literal('tfjs'),
  options: z.record(z.string(), z.unknown()).default({}),
  timeout_s: TrialTimeoutSchema,
});

export const tfjsTrainer: TrainerDescriptor = {
  kind: 'tfjs',
  schema: TfjsTrainerSchema,
  check: checkTfjsSection,
  // Every epoch ends with an atomic snapshot that a later run resumes exactly (train/loop.ts).
  resumes: () => true,
  async load() {
    // TensorFlow.js costs time and memory a worker running only commands never needs: loaded on first use.
    const { createTfjsTrainer } = await import('./trainer/tfjs-trainer.ts');
    return (host) => createTfjsTrainer(host.readRoots ? { readRoots: host.readRoots } : {});
  },
};
