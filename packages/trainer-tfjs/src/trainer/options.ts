/**
 * The `tfjs` trainer's settings: `trainer.options` of the sweep file (validated here, every unknown key
 * refused), the trial's optimizer params and the sweep's `fixed` settings, resolved into one {@link RunPlan}.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import {
  DEFAULT_ADAMW_BETA1,
  DEFAULT_ADAMW_BETA2,
  DEFAULT_MOMENTUM,
  PermanentTrialError,
  type TrialRun,
} from '@sweeps/core';
import { z } from 'zod';

import type { BackendName } from '../backend/backend-probes.ts';
import type { OptimizerConfig } from '../optim/types.ts';
import { checkReadable } from './read-roots.ts';
import { recipeCheckpointPath, recipeOf, recipeSweepIssues } from './recipe-trial.ts';
import type { ScheduleSettings } from '../train/schedule.ts';

/**
 * Detection: a few of the detector preset's settings (`src/detector/config.ts`), laid over the preset. Each is
 * optional; absent ones keep the preset's value (demo: anchor scales [4], 128 RPN / 128 R-CNN samples, 300
 * training and test proposals, finest scale 28).
 */
export const DetectorOptionsSchema = z.strictObject({
  /** Anchor scales (anchor side = scale x stride of the level, strides 4..64). */
  anchor_scales: z.array(z.number().positive()).min(1).max(8).optional(),
  /** mmdet `finest_scale`: RoIs smaller than 2 x this pool from P2. */
  finest_scale: z.number().positive().optional(),
  /** RPN samples per image (`rpn.sampler.num`) and R-CNN samples per image (`rcnn.sampler.num`). */
  rpn_samples: z.number().int().positive().max(4096).optional(),
  rcnn_samples: z.number().int().positive().max(4096).optional(),
  /** Share of positive R-CNN samples (mmdet 0.25). */
  rcnn_pos_fraction: z.number().gt(0).max(1).optional(),
  /** Proposals kept per image after NMS, in training and at test time. */
  train_proposals: z.number().int().positive().max(10_000).optional(),
  test_proposals: z.number().int().positive().max(10_000).optional(),
});
export type DetectorOptions = z.infer<typeof DetectorOptionsSchema>;

const ClipSchema = z.union([
  z.number().positive(),
  z.strictObject({ max_norm: z.number().positive() }),
]);

/** `trainer.options` of a `tfjs` sweep. Every field is optional; defaults are listed with each. */
export const TfjsOptionsSchema = z.strictObject({
  /** `detection` (Faster R-CNN on a COCO set; default when the detector is built in) or `classification`. */
  task: z.enum(['detection', 'classification']).optional(),
  /** Force a backend (no fallback); default the automatic order (never plain `cpu`). */
  backend: z.enum(['tensorflow', 'webgpu', 'tensorflow-cpu', 'wasm', 'cpu']).optional(),
  /** Backbone: ResNet depth (default 18), channel multiplier (default 0.25), style (default pytorch). */
  depth: z.union([z.literal(18), z.literal(34), z.literal(50)]).default(18),
  width: z.number().positive().max(4).default(0.25),
  style: z.enum(['pytorch', 'caffe']).default('pytorch'),
  /** mmdet `frozen_stages`; default 1 (the study). */
  frozen_stages: z.number().int().min(-1).max(4).default(1),
  /** mmdet `norm_eval`; default true, false when the checkpoint is `scratch` (random BN statistics). */
  norm_eval: z.boolean().optional(),
  /** Images per iteration; default 16 (the study's total batch). */
  batch_size: z.number().int().positive().max(1024).default(16),
  /** Classification: rendered crop side (default 64) and data seed (0). */
  image_size: z.number().int().min(16).max(512).default(64),
  data_seed: z.number().int().min(0).default(0),
  /** Split sizes: classification renders this many (2000 / 500); detection uses the first N images (all). */
  train_images: z.number().int().positive().max(1_000_000).optional(),
  val_images: z.number().int().positive().max(1_000_000).optional(),
  /** Detection: a COCO set (`train/`, `val/`, `annotations/instances_{train,val}.json`, as `data/` generates). */
  data_dir: z.string().min(1).optional(),
  /** Detection: longer image side after resizing; default the preset's (demo: 128). */
  scale: z.number().int().min(32).max(2048).optional(),
  /** Detection: the detector preset the backbone options are laid over. Default `demo`. */
  preset: z.enum(['demo', 'faster_rcnn_r50_fpn']).default('demo'),
  /** Detection: preset settings to override (anchor scales, samples, proposals); see {@link DetectorOptionsSchema}. */
  detector: DetectorOptionsSchema.optional(),
  /** Schedule: warm-up iterations (500; 0 = none), ratio (0.001), `scaled` (default) or `fixed` length. */
  warmup_iters: z.number().int().min(0).default(500),
  warmup_ratio: z.number().gt(0).max(1).default(0.001),
  warmup_scaling: z.enum(['scaled', 'fixed']).default('scaled'),
  /** Decay epochs; default the 1x [8, 11] of 12 rescaled to the epoch count. */
  steps: z.array(z.number().int().positive()).max(20).optional(),
  /** Paramwise decay multipliers and gradient clipping (a max norm); `fixed` may set them too. */
  norm_decay_mult: z.number().min(0).optional(),
  bias_decay_mult: z.number().min(0).optional(),
  grad_clip: ClipSchema.optional(),
  /**
   * Classification: a pretraining recipe of the recipes file (`base`, `rsb`, `tnr`, ...): the trial pretrains from
   * random weights and writes its backbone and record into `save_dir` (recipe-trial.ts).
   */
  recipe: z
    .string()
    .regex(/^[a-z][a-z0-9_-]*$/, 'a recipe name of the recipes file, like rsb')
    .optional(),
  /** With `recipe`: the directory the trial writes `<recipe>-seed<seed>.safetensors` and its record into. */
  save_dir: z.string().min(1).max(1000).optional(),
});
export type TfjsOptions = z.infer<typeof TfjsOptionsSchema>;

/** The sweep-wide settings this trainer reads from `fixed` (others are ignored). */
const FixedSchema = z.object({
  epochs: z.number().int().positive().max(10_000).default(12),
  norm_decay_mult: z.number().min(0).optional(),
  bias_decay_mult: z.number().min(0).optional(),
  grad_clip: z.number().positive().optional(),
});

const SgdParamsSchema = z.strictObject({
  lr: z.number().positive().finite(),
  weight_decay: z.number().min(0).finite().default(1e-4),
  momentum: z.number().min(0).lt(1).default(DEFAULT_MOMENTUM),
  nesterov: z.boolean().default(false),
});

const AdamWParamsSchema = z.strictObject({
  lr: z.number().positive().finite(),
  weight_decay: z.number().min(0).finite().default(0.05),
  beta1: z.number().min(0).lt(1).default(DEFAULT_ADAMW_BETA1),
  beta2: z.number().min(0).lt(1).default(DEFAULT_ADAMW_BETA2),
  eps: z.number().positive().default(1e-8),
});

/** Where the backbone's initial weights come from. */
export type InitFrom =
  | { kind: 'scratch' }
  | { kind: 'file'; file: string; prefix?: string; name: string };

/** Everything one trial process needs, resolved and validated. */
export interface RunPlan {
  task: 'detection' | 'classification';
  backend?: BackendName;
  epochs: number;
  seed: number;
  optimizer: OptimizerConfig;
  schedule: Omit<ScheduleSettings, 'baseLr' | 'epochs'>;
  options: TfjsOptions;
  normEval: boolean;
  init: InitFrom;
  /** A recipe trial: the recipe and the checkpoint file it writes (its record goes beside it). */
  recipe?: { name: string; out: string };
}

/** True when `src/detector/index.ts` is part of this build. */
export function detectorAvailable(): boolean {
  return existsSync(fileURLToPath(new URL('../detector/index.ts', import.meta.url)));
}

/** Formats zod issues as `where: what` lines, naming the offending option (unknown keys by name). */
export function formatIssues(error: z.ZodError, root: string): string {
  return error.issues
    .map((issue) => {
      const where = [root, ...issue.path.map(String)].join('.');
      if (issue.code === 'unrecognized_keys')
        return issue.keys.map((k) => `${where}.${k}: unknown option`).join('; ');
      return `${where}: ${issue.message}`;
    })
    .join('; ');
}

function parseOr<S extends z.ZodType>(schema: S, value: unknown, root: string): z.infer<S> {
  const parsed = schema.safeParse(value ?? {});
  if (!parsed.success)
    throw new PermanentTrialError(
      `invalid tfjs trial settings: ${formatIssues(parsed.error, root)}`,
      'invalid',
    );
  return parsed.data;
}

function optimizerOf(
  trial: TrialRun,
  options: TfjsOptions,
  fixed: z.infer<typeof FixedSchema>,
): OptimizerConfig {
  const norm = fixed.norm_decay_mult ?? options.norm_decay_mult;
  const bias = fixed.bias_decay_mult ?? options.bias_decay_mult;
  const clip = fixed.grad_clip ?? options.grad_clip;
  const common = {
    ...(norm === undefined && bias === undefined
      ? {}
      : {
          paramwise: {
            ...(norm === undefined ? {} : { norm_decay_mult: norm }),
            ...(bias === undefined ? {} : { bias_decay_mult: bias }),
          },
        }),
    ...(clip === undefined
      ? {}
      : { grad_clip: { max_norm: typeof clip === 'number' ? clip : clip.max_norm } }),
  };
  if (trial.optimizer === 'SGD') {
    const p = parseOr(SgdParamsSchema, trial.params, 'params');
    return {
      name: 'SGD',
      lr: p.lr,
      weight_decay: p.weight_decay,
      momentum: p.momentum,
      nesterov: p.nesterov,
      ...common,
    };
  }
  if (trial.optimizer === 'AdamW') {
    const p = parseOr(AdamWParamsSchema, trial.params, 'params');
    return {
      name: 'AdamW',
      lr: p.lr,
      weight_decay: p.weight_decay,
      betas: [p.beta1, p.beta2],
      eps: p.eps,
      ...common,
    };
  }
  throw new PermanentTrialError(
    `invalid tfjs trial settings: optimizer: unknown optimizer "${trial.optimizer}" (SGD or AdamW)`,
    'invalid',
  );
}

/**
 * Resolves a checkpoint URI: `scratch`/`none` (random init), `file:///abs`, or a path (relative to `cwd`). With
 * `readRoots`, a file outside them is refused before it is looked at.
 */
export function resolveInit(
  checkpoint: TrialRun['checkpoint'],
  cwd = process.cwd(),
  readRoots?: readonly string[],
): InitFrom {
  const uri = checkpoint.uri.trim();
  if (uri === 'scratch' || uri === 'none' || checkpoint.format === 'none')
    return { kind: 'scratch' };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri) && !uri.startsWith('file:')) {
    throw new PermanentTrialError(
      `checkpoint "${checkpoint.name}": only file:// URIs, paths and "scratch" are supported, got ${uri}`,
      'invalid',
    );
  }
  let file: string;
  try {
    file = uri.startsWith('file:') ? fileURLToPath(uri) : path.resolve(cwd, uri);
  } catch (err) {
    throw new PermanentTrialError(
      `checkpoint "${checkpoint.name}": bad URI ${uri} (${(err as Error).message})`,
      'invalid',
    );
  }
  if (readRoots) checkReadable(`checkpoint "${checkpoint.name}"`, file, readRoots);
  if (!existsSync(file))
    throw new PermanentTrialError(
      `checkpoint "${checkpoint.name}": file ${file} not found (uri ${uri})`,
      'invalid',
    );
  return {
    kind: 'file',
    file,
    name: checkpoint.name,
    ...(checkpoint.prefix ? { prefix: checkpoint.prefix } : {}),
  };
}

/**
 * Validates a trial for this trainer; every problem is a `PermanentTrialError(…, 'invalid')` naming the setting.
 * With `readRoots` (the worker's), `data_dir` and a file checkpoint must lie in them (read-roots.ts).
 */
export function resolvePlan(
  trial: TrialRun,
  cwd = process.cwd(),
  readRoots?: readonly string[],
): RunPlan {
  const options = parseOr(
    TfjsOptionsSchema,
    (trial.trainer as { options?: unknown }).options,
    'trainer.options',
  );
  const fixed = parseOr(FixedSchema, trial.fixed, 'fixed');
  const task = options.task ?? (detectorAvailable() ? 'detection' : 'classification');
  if (task === 'detection' && !detectorAvailable()) {
    throw new PermanentTrialError(
      'invalid tfjs trial settings: trainer.options.task: "detection" needs the detector (src/detector), which this build lacks; use task "classification"',
      'invalid',
    );
  }
  if (task === 'detection' && !options.data_dir) {
    throw new PermanentTrialError(
      'invalid tfjs trial settings: trainer.options.data_dir: required for task "detection"',
      'invalid',
    );
  }
  if (options.data_dir) {
    options.data_dir = path.resolve(cwd, options.data_dir);
    if (readRoots) checkReadable('trainer.options.data_dir', options.data_dir, readRoots);
    if (!existsSync(options.data_dir)) {
      throw new PermanentTrialError(
        `invalid tfjs trial settings: trainer.options.data_dir: ${options.data_dir} not found`,
        'invalid',
      );
    }
  }
  const init = resolveInit(trial.checkpoint, cwd, readRoots);
  const recipe = options.recipe ? recipePlan(trial, options, cwd, readRoots) : undefined;
  const schedule = {
    warmupIters: options.warmup_iters,
    warmupRatio: options.warmup_ratio,
    warmupScaling: options.warmup_scaling,
    ...(options.steps ? { steps: options.steps } : {}),
  };
  return {
    task,
    epochs: recipe?.epochs ?? fixed.epochs,
    ...(recipe ? { recipe: { name: recipe.name, out: recipe.out } } : {}),
    seed: trial.seed,
    options,
    init,
    schedule,
    optimizer: optimizerOf(trial, options, fixed),
    normEval: options.norm_eval ?? init.kind !== 'scratch',
    ...(options.backend ? { backend: options.backend } : {}),
  };
}

/**
 * A recipe trial's settings, checked by the rules submission applies (recipe-trial.ts): the recipe, the file it
 * writes, and its epochs (`fixed.epochs` when given, else the recipe's).
 */
function recipePlan(
  trial: TrialRun,
  options: TfjsOptions,
  cwd: string,
  readRoots?: readonly string[],
): { name: string; out: string; epochs: number } {
  const name = options.recipe!;
  const issues = recipeSweepIssues({
    options: { ...options },
    checkpoints: [trial.checkpoint],
    space: {
      optimizer: {
        [trial.optimizer]: Object.fromEntries(
          Object.entries(trial.params).map(([k, v]) => [k, [v]]),
        ),
      },
    },
  });
  if (issues.length > 0)
    throw new PermanentTrialError(
      `invalid tfjs trial settings: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      'invalid',
    );
  const saveDir = path.resolve(cwd, options.save_dir!);
  // a later sweep reads the checkpoint from here, so it lies where the worker's trials may read
  if (readRoots) checkReadable('trainer.options.save_dir', saveDir, readRoots);
  const raw = trial.fixed['epochs'];
  return {
    name,
    out: recipeCheckpointPath(saveDir, name, trial.seed),
    epochs: typeof raw === 'number' ? raw : recipeOf(name)!.epochs,
  };
}
