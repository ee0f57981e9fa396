/**
 * The `pretrain` job: trains a ResNet backbone on the rendered object-crop classification set with the study's
 * *base* ImageNet recipe (torchvision v1: SGD momentum 0.9, weight decay 1e-4, lr x0.1 after 1/3 and 2/3 of
 * training, no warm-up, flip augmentation) and writes the backbone as safetensors under torchvision's keys, so
 * a sweep can compare random (`scratch`), base-pretrained and imported checkpoints.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';

import { encodeSafetensors } from '../checkpoint/safetensors.ts';
import { storeToTensorsAsync } from '../checkpoint/save.ts';
import type { ResNetConfig } from '../model/resnet.ts';
import { trainLoop } from '../train/loop.ts';
import { writeAtomic } from '../train/train-state.ts';
import type { OptimizerConfig } from '../optim/types.ts';
import { type ClassificationTaskConfig, createClassificationTask } from './classification-task.ts';
import { type Recipe, loadRecipes, recipeLrAt, recipeOptimizer } from './recipe.ts';

/** Settings of {@link runPretrain}; defaults give the job's standard size (see the README for timings). */
export interface PretrainOptions {
  /** Where the backbone checkpoint goes (`.safetensors`). */
  out: string;
  /** Default 12 (the 90-epoch recipe's steps at 30 and 60 rescale to 4 and 8). */
  epochs?: number;
  /** Seeds initialisation, order and flips. Default 0. */
  seed?: number;
  /** Default 18. */
  depth?: ResNetConfig['depth'];
  /** Channel multiplier. Default 0.25 (stem 16, stages 16/32/64/128 at depth 18). */
  width?: number;
  /** Crop side in pixels. Default 64. */
  imageSize?: number;
  /** Default 4000. */
  trainImages?: number;
  /** Default 750. */
  valImages?: number;
  /** Default 32. */
  batchSize?: number;
  /** Default 0.1 x batchSize / 256: the recipe's lr 0.1 at batch 256, linearly scaled (a named recipe: its own). */
  lr?: number;
  /**
   * A recipe of the recipes file (`base`, `rsb`, `tnr`, ...): its optimizer, schedule, loss, augmentation and
   * regularisers, and its epochs unless `epochs` is given. Absent: the built-in base recipe.
   */
  recipe?: string;
  /** The recipe's weight decay instead of its own (a recipe trial's cell). */
  weightDecay?: number;
  /** Seed of the rendered crops. Default 0 (the same data for every seed). */
  dataSeed?: number;
  /** Written into the record too (a recipe trial's sweep and trial ids). */
  recordExtra?: Record<string, string | number>;
  /** The recipes file. Default the package's `recipes/pretrain-recipes.json`. */
  recipesFile?: string;
  /** Per-epoch snapshots (resumable); none when absent. */
  snapshotDir?: string;
  resumeFrom?: string;
  signal?: AbortSignal;
  onEpoch?(epoch: number, metrics: Record<string, number>): Promise<void> | void;
  log?(line: string): void;
}

/** What the job returns: the last epoch's metrics (`top1`, `val_loss`, `loss`, ...) and the file written. */
export interface PretrainResult {
  metrics: Record<string, number>;
  out: string;
}

/** The base recipe's decay epochs, [30, 60] of 90, rescaled to `epochs`. */
export const BASE_RECIPE = {
  momentum: 0.9,
  weightDecay: 1e-4,
  lrAt256: 0.1,
  refSteps: [30, 60],
  refEpochs: 90,
} as const;

/** What is recorded beside a checkpoint (`<out>.record.json`): how it was made and how good it is. */
export interface CheckpointRecord {
  recipe: string;
  seed: number;
  epochs: number;
  top1: number | null;
  arch: string;
  /** A recipe trial's: the sweep and trial that made it, and the optimizer's lr and weight decay. */
  sweepId?: string;
  trialId?: string;
  lr?: number;
  weightDecay?: number;
  recipeSettings?: Recipe;
}

/** The record file beside checkpoint `out`: `x.safetensors` -> `x.record.json`. */
export function checkpointRecordPath(out: string): string {
  return `${out.replace(/\.safetensors$/, '')}.record.json`;
}

/** Runs the job and writes `options.out` atomically, and its record beside it. */
export async function runPretrain(o: PretrainOptions): Promise<PretrainResult> {
  const batchSize = o.batchSize ?? 32;
  const recipe = o.recipe ? recipeNamed(o.recipe, o.recipesFile) : undefined;
  const epochs = o.epochs ?? recipe?.epochs ?? 12;
  const seed = o.seed ?? 0;
  const backbone = {
    depth: o.depth ?? 18,
    width: o.width ?? 0.25,
    normEval: false,
    stemMaxPool: (o.imageSize ?? 64) > 32,
  };
  const task = createClassificationTask({
    backbone,
    seed,
    ...(o.dataSeed !== undefined ? { dataSeed: o.dataSeed } : {}),
    batchSize,
    trainImages: o.trainImages ?? 4000,
    valImages: o.valImages ?? 750,
    imageSize: o.imageSize ?? 64,
    ...(recipe ? recipeTaskSettings(recipe) : {}),
  });
  try {
    const recipeOpt = recipe ? recipeOptimizer(recipe, batchSize) : undefined;
    const lr = o.lr ?? recipeOpt?.lr ?? (BASE_RECIPE.lrAt256 * batchSize) / 256;
    const optimizer: OptimizerConfig = recipeOpt
      ? {
          ...recipeOpt,
          lr,
          ...(o.weightDecay !== undefined ? { weight_decay: o.weightDecay } : {}),
        }
      : {
          name: 'SGD',
          lr,
          momentum: BASE_RECIPE.momentum,
          weight_decay: o.weightDecay ?? BASE_RECIPE.weightDecay,
        };
    const result = await trainLoop(task, {
      ...(recipe ? { lrAt: recipeLrAt(recipe, lr, epochs, task.itersPerEpoch) } : {}),
      epochs,
      seed,
      optimizer,
      schedule: {
        refSteps: BASE_RECIPE.refSteps,
        refEpochs: BASE_RECIPE.refEpochs,
        warmupIters: 0,
      },
      fingerprint: JSON.stringify({
        job: 'pretrain',
        ...(recipe ? { recipe: o.recipe, recipeSettings: recipe } : {}),
        epochs,
        seed,
        backbone,
        batchSize,
        lr,
        ...(o.weightDecay !== undefined ? { weightDecay: o.weightDecay } : {}),
        sizes: [o.trainImages, o.valImages, o.imageSize],
        ...(o.dataSeed !== undefined ? { dataSeed: o.dataSeed } : {}),
      }),
      ...pick(o, ['snapshotDir', 'resumeFrom', 'signal', 'onEpoch', 'log']),
    });
    await mkdir(path.dirname(path.resolve(o.out)), { recursive: true });
    const arch = `resnet${backbone.depth} width ${backbone.width}`;
    const metadata = {
      format: 'pt',
      recipe: o.recipe ?? 'base (SGD m0.9, step decay)',
      arch,
      epochs: String(epochs),
      top1: String(result.metrics['top1'] ?? ''),
    };
    // with an EMA (tnr) the averaged weights are the checkpoint, as the evaluation that gave top-1 used them
    const tensors = await (task.ema
      ? task.ema.withAverages(() => storeToTensorsAsync(task.backbone.params))
      : storeToTensorsAsync(task.backbone.params));
    await writeAtomic(o.out, encodeSafetensors(tensors, metadata));
    const record: CheckpointRecord = {
      recipe: o.recipe ?? 'base',
      seed,
      epochs,
      top1: result.metrics['top1'] ?? null,
      arch,
      ...o.recordExtra,
      ...(recipe ? { recipeSettings: recipe } : {}),
    };
    await writeAtomic(checkpointRecordPath(o.out), `${JSON.stringify(record, null, 2)}\n`);
    return { metrics: result.metrics, out: o.out };
  } finally {
    task.dispose?.();
  }
}

function pick<T extends object, K extends keyof T>(o: T, keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

function recipeNamed(name: string, file?: string): Recipe {
  const recipes = file ? loadRecipes(file) : loadRecipes();
  const recipe = recipes[name];
  if (!recipe) throw new Error(`no recipe '${name}' (have: ${Object.keys(recipes).join(', ')})`);
  return recipe;
}

/** What a recipe sets in the classification task: flips, RandAugment, the batch regime, drop path, EMA. */
function recipeTaskSettings(r: Recipe): Partial<ClassificationTaskConfig> {
  const a = r.augment;
  const mixing =
    (a.mixup_alpha ?? 0) > 0 || (a.cutmix_alpha ?? 0) > 0
      ? { mixing: { mixupAlpha: a.mixup_alpha ?? 0, cutmixAlpha: a.cutmix_alpha ?? 0 } }
      : {};
  return {
    flipProb: a.flip,
    regime: {
      loss: r.loss.kind,
      labelSmoothing: r.loss.label_smoothing ?? 0,
      ...mixing,
      ...(a.random_erasing ? { randomErasing: a.random_erasing } : {}),
    },
    ...(a.rand_augment
      ? { randAugment: { numOps: a.rand_augment.num_ops, magnitude: a.rand_augment.magnitude } }
      : {}),
    ...(r.drop_path ? { dropPath: r.drop_path } : {}),
    ...(r.ema ? { ema: r.ema } : {}),
  };
}
