/**
 * Pretraining recipes declared in a file (`recipes/pretrain-recipes.json`: name -> recipe), validated here, and
 * what the `pretrain` job derives from one: the optimizer at the run's batch size and the lr of each iteration.
 * Field names follow the sweep files' (snake_case, torch's optimizer names).
 */
import { readFileSync } from 'node:fs';

import { z } from 'zod';

import { cosineLrAt } from '../optim/cosine.ts';
import { lrAt } from '../optim/schedule.ts';
import type { OptimizerConfig } from '../optim/types.ts';
import { buildSchedule } from '../train/schedule.ts';

const Fraction = z.number().min(0).max(1);
const Paramwise = z
  .object({
    norm_decay_mult: z.number().min(0).optional(),
    bias_decay_mult: z.number().min(0).optional(),
  })
  .strict();
const OptimizerBase = {
  /** The lr at `lr_batch` images per batch, scaled linearly to the run's batch; unscaled without it. */
  lr: z.number().positive(),
  lr_batch: z.number().int().positive().optional(),
  weight_decay: z.number().min(0),
  paramwise: Paramwise.optional(),
};

export const RecipeSchema = z
  .object({
    description: z.string(),
    epochs: z.number().int().positive(),
    optimizer: z.discriminatedUnion('name', [
      z
        .object({
          name: z.literal('SGD'),
          momentum: z.number().min(0).max(1),
          nesterov: z.boolean().optional(),
          ...OptimizerBase,
        })
        .strict(),
      z
        .object({
          name: z.literal('LAMB'),
          betas: z.tuple([Fraction, Fraction]).optional(),
          max_grad_norm: z.number().positive().nullable().optional(),
          ...OptimizerBase,
        })
        .strict(),
    ]),
    schedule: z.discriminatedUnion('kind', [
      z
        .object({
          kind: z.literal('step'),
          ref_steps: z.array(z.number().int().positive()).min(1),
          ref_epochs: z.number().int().positive(),
          gamma: z.number().positive().optional(),
        })
        .strict(),
      z
        .object({
          kind: z.literal('cosine'),
          warmup_epochs: z.number().min(0),
          warmup_ratio: z.number().positive().max(1).optional(),
          min_lr: z.number().min(0).optional(),
        })
        .strict(),
    ]),
    loss: z
      .object({ kind: z.enum(['ce', 'bce']), label_smoothing: z.number().min(0).lt(1).optional() })
      .strict(),
    augment: z
      .object({
        flip: Fraction,
        rand_augment: z
          .object({ num_ops: z.number().int().min(0), magnitude: z.number().int().min(0).max(30) })
          .strict()
          .optional(),
        mixup_alpha: z.number().min(0).optional(),
        cutmix_alpha: z.number().min(0).optional(),
        random_erasing: Fraction.optional(),
      })
      .strict(),
    drop_path: z.number().min(0).lt(1).optional(),
    ema: z.object({ decay: Fraction, every: z.number().int().positive() }).strict().optional(),
  })
  .strict();

export type Recipe = z.infer<typeof RecipeSchema>;
export const RecipesSchema = z.record(z.string().regex(/^[a-z][a-z0-9_-]*$/), RecipeSchema);

/** The recipes file of this package. */
export const RECIPES_FILE = new URL('../../recipes/pretrain-recipes.json', import.meta.url);

/** Reads and validates a recipes file (default: the package's); errors name the recipe and field. */
export function loadRecipes(file: string | URL = RECIPES_FILE): Record<string, Recipe> {
  const parsed = RecipesSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`recipes file ${String(file)}: ${issue?.path.join('.')}: ${issue?.message}`);
  }
  return parsed.data;
}

/** The recipe's optimizer at `batchSize` (lr scaled linearly from `lr_batch` when given). */
export function recipeOptimizer(r: Recipe, batchSize: number): OptimizerConfig {
  const { lr_batch: lrBatch, ...o } = r.optimizer;
  const lr = lrBatch ? (o.lr * batchSize) / lrBatch : o.lr;
  const paramwise = o.paramwise ? { paramwise: o.paramwise } : {};
  if (o.name === 'SGD') {
    return {
      name: 'SGD',
      lr,
      momentum: o.momentum,
      weight_decay: o.weight_decay,
      nesterov: o.nesterov ?? false,
      ...paramwise,
    };
  }
  return {
    name: 'LAMB',
    lr,
    weight_decay: o.weight_decay,
    ...(o.betas ? { betas: o.betas } : {}),
    ...(o.max_grad_norm !== undefined ? { max_grad_norm: o.max_grad_norm } : {}),
    ...paramwise,
  };
}

/** The lr of every iteration of a run of `epochs` x `itersPerEpoch` at base lr `baseLr`. */
export function recipeLrAt(
  r: Recipe,
  baseLr: number,
  epochs: number,
  itersPerEpoch: number,
): (iteration: number) => number {
  const s = r.schedule;
  if (s.kind === 'cosine') {
    const config = {
      baseLr,
      totalIters: epochs * itersPerEpoch,
      warmupIters: Math.round(s.warmup_epochs * itersPerEpoch),
      warmupRatio: s.warmup_ratio ?? 0.01,
      minLr: s.min_lr ?? 0,
    };
    return (it) => cosineLrAt(it, config);
  }
  const step = buildSchedule(
    {
      baseLr,
      epochs,
      refSteps: s.ref_steps,
      refEpochs: s.ref_epochs,
      gamma: s.gamma ?? 0.1,
      warmupIters: 0,
    },
    itersPerEpoch,
  );
  return (it) => lrAt(it, step);
}
