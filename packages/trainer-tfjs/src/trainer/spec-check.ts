/**
 * The submission-time check of `kind: tfjs`: `trainer.options` against the trainer's own option schema (the one
 * the worker applies), so a typo fails at preview/submit instead of failing every trial as `invalid`. Importing
 * this module loads no TensorFlow.js (the API imports it through `@sweeps/trainer-tfjs/spec-check`).
 */
import type { TrainerSpecCheck } from '@sweeps/core';
import { TfjsOptionsSchema } from './options.ts';

export const tfjsSpecCheck: TrainerSpecCheck = {
  kind: 'tfjs',
  check(trainer) {
    const parsed = TfjsOptionsSchema.safeParse(trainer.options ?? {});
    if (parsed.success) return [];
    return parsed.error.issues.map((i) => ({
      path: ['trainer', 'options', ...i.path.map(String)].join('.'),
      message:
        i.code === 'unrecognized_keys' ? `unknown option(s): ${i.keys.join(', ')}` : i.message,
    }));
  },
  // Every epoch ends with an atomic snapshot that a later run resumes exactly (train/loop.ts).
  resumes: () => true,
};
