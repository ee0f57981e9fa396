/**
 * The submission-time check of `kind: tfjs`: `trainer.options` against the trainer's own option schema (the one
 * the worker applies), and a recipe sweep's rules (recipe-trial.ts), so a typo fails at preview/submit instead of
 * failing every trial as `invalid`. Importing this module loads no TensorFlow.js (the catalogue reads it through
 * `@sweeps/trainer-tfjs/spec`).
 */
import type { ErrorIssue, SweepSpec, TrainerSection } from '@sweeps/core';
import { TfjsOptionsSchema } from './options.ts';
import { recipeSweepIssues } from './recipe-trial.ts';

export function checkTfjsSection(trainer: TrainerSection, spec?: SweepSpec): ErrorIssue[] {
  const parsed = TfjsOptionsSchema.safeParse(trainer.options ?? {});
  if (!parsed.success)
    return parsed.error.issues.map((i) => ({
      path: ['trainer', 'options', ...i.path.map(String)].join('.'),
      message:
        i.code === 'unrecognized_keys' ? `unknown option(s): ${i.keys.join(', ')}` : i.message,
    }));
  if (!spec) return [];
  return recipeSweepIssues({
    options: (trainer.options ?? {}) as Record<string, unknown>,
    checkpoints: spec.checkpoints,
    space: spec.space as RecipeSpace,
    metric: spec.metric,
  });
}

type RecipeSpace = Parameters<typeof recipeSweepIssues>[0]['space'];
