/**
 * Recipe trials: a `task: classification` trial with `trainer.options.recipe` runs a pretraining recipe of the
 * recipes file (`recipes/pretrain-recipes.json`) from random weights and writes the backbone it makes, with its
 * record, into `trainer.options.save_dir` as `<recipe>-seed<seed>.safetensors` (+ `.record.json`), where a later
 * detection sweep names it as a checkpoint. The rules a sweep of them must follow live here, so submission
 * (spec-check.ts) and the trial process (options.ts) apply the same ones. Loads no TensorFlow.js.
 */
import path from 'node:path';

import type { ErrorIssue } from '@sweeps/core';

import { loadRecipes, type Recipe } from '../pretrain/recipe.ts';

/**
 * The space key that holds a recipe's optimizer settings: SGD recipes take `SGD`; a LAMB recipe takes `AdamW`
 * (LAMB is AdamW's decoupled update scaled per layer by a trust ratio; the space has no LAMB key).
 */
export function spaceKeyOf(recipe: Recipe): 'SGD' | 'AdamW' {
  return recipe.optimizer.name === 'SGD' ? 'SGD' : 'AdamW';
}

/** The checkpoint file a recipe trial writes into `saveDir`. */
export function recipeCheckpointPath(saveDir: string, recipe: string, seed: number): string {
  return path.join(saveDir, `${recipe}-seed${seed}.safetensors`);
}

/** The recipe named `name`, or undefined; throws only on a broken recipes file. */
export function recipeOf(name: string): Recipe | undefined {
  return loadRecipes()[name];
}

/** What {@link recipeSweepIssues} reads of a sweep. */
export interface RecipeSweepView {
  options: Record<string, unknown>;
  checkpoints: ReadonlyArray<{ name: string; uri: string; format?: string | undefined }>;
  space: { optimizer: Record<string, Record<string, unknown[] | undefined> | undefined> };
  metric?: { name: string };
}

const isScratch = (c: { uri: string; format?: string | undefined }) =>
  ['scratch', 'none'].includes(c.uri.trim()) || c.format === 'none';

/**
 * Why a sweep with `trainer.options.recipe` cannot run, as issues with the sweep file's paths (none when it can,
 * or when it names no recipe). One trial per seed writes one file, so the sweep has one checkpoint (`scratch`)
 * and one cell: the recipe's optimizer under its space key, one lr and one weight decay (the recipe's values at
 * the trial's batch size are the usual choice; see the trainer's README).
 */
export function recipeSweepIssues(s: RecipeSweepView): ErrorIssue[] {
  const name = s.options['recipe'];
  if (name === undefined) return [];
  const issues: ErrorIssue[] = [];
  const at = (p: string, message: string) => issues.push({ path: p, message });
  if (typeof name !== 'string') return issues; // the option schema reports the type
  const recipe = recipeOf(name);
  if (!recipe) {
    at(
      'trainer.options.recipe',
      `no recipe "${name}" in the recipes file (have: ${Object.keys(loadRecipes()).join(', ')})`,
    );
    return issues;
  }
  if (s.options['task'] !== 'classification')
    at(
      'trainer.options.task',
      'a recipe pretrains a classifier: set task: classification beside recipe',
    );
  if (typeof s.options['save_dir'] !== 'string')
    at(
      'trainer.options.save_dir',
      'a recipe trial writes the backbone it makes: name the directory (save_dir) it goes into',
    );
  if (s.checkpoints.length !== 1 || !s.checkpoints.every(isScratch))
    at(
      'checkpoints',
      'a recipe trains from random weights: list exactly one checkpoint, { name: ..., uri: scratch }',
    );
  const key = spaceKeyOf(recipe);
  const named = Object.keys(s.space.optimizer).filter((k) => s.space.optimizer[k] !== undefined);
  if (named.length !== 1 || named[0] !== key) {
    at(
      'space.optimizer',
      `recipe "${name}" trains with ${recipe.optimizer.name}: name only ${key} in the space${key === 'AdamW' && recipe.optimizer.name === 'LAMB' ? ' (it holds LAMB’s lr and weight decay)' : ''}`,
    );
  } else {
    const lists = s.space.optimizer[key]!;
    for (const [param, values] of Object.entries(lists)) {
      if (values && new Set(values).size > 1)
        at(
          `space.optimizer.${key}.${param}`,
          `one recipe trial per seed writes one checkpoint: list one ${param}, not ${values.length}`,
        );
    }
  }
  if (s.metric && !['top1', 'val_loss', 'loss'].includes(s.metric.name))
    at('metric.name', `a recipe trial reports top1, val_loss and loss, not ${s.metric.name}`);
  return issues;
}
