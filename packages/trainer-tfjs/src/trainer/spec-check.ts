/**
 * The submission-time check of `kind: tfjs`: `trainer.options` against the trainer's own option schema (the one
 * the worker applies), so a typo fails at preview/submit instead of failing every trial as `invalid`. Importing
 * this module loads no TensorFlow.js (the catalogue reads it through `@sweeps/trainer-tfjs/spec`).
 */
import type { ErrorIssue, TrainerSection } from '@sweeps/core';
import { TfjsOptionsSchema } from './options.ts';

export function checkTfjsSection(trainer: TrainerSection): ErrorIssue[] {
  const parsed = TfjsOptionsSchema.safeParse(trainer.options ?? {});
  if (parsed.success) return [];
  return parsed.error.issues.map((i) => ({
    path: ['trainer', 'options', ...i.path.map(String)].join('.'),
    message: i.code === 'unrecognized_keys' ? `unknown option(s): ${i.keys.join(', ')}` : i.message,
  }));
}
