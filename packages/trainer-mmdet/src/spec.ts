/**
 * `trainer: { kind: mmdet, ... }` of a sweep file, checked at submission by {@link checkMmdetSection}: every unknown
 * or bad field is refused with its path, and `fixed` keys the trainer would not use are named too (a typo there
 * would silently change nothing in the config).
 */
import path from 'node:path';
import {
  type ErrorIssue,
  type SweepSpec,
  type TrainerSection,
  TrialTimeoutSchema,
  type WorkerPath,
} from '@sweeps/core';
import { checkpointLocation } from './launch.ts';
import { z } from 'zod';

/** A dotted config key (`train_dataloader.batch_size`): identifiers only, so it can never carry code. */
const CONFIG_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,99}(?:\.[A-Za-z0-9_]{1,100}){0,15}$/;
/** A `--cfg-options` string value: no blanks, quotes, brackets or commas (MMDetection would read those as syntax). */
const SAFE_TEXT = /^[A-Za-z0-9_./:+@-]{0,500}$/;
/** A path: anything printable but quotes, backslashes and newlines (it is written into the config as a string). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const PATH = /^[^\0-\x1f"'\\]{1,2000}$/;

export const MmdetTrainerSpecSchema = z.strictObject({
  kind: z.literal('mmdet'),
  /** MMDetection's major version: 2 (mmcv 1.x) or 3 (mmengine). */
  version: z.union([z.literal(2), z.literal(3)]),
  /** The base config, relative to `root` or absolute, e.g. `configs/faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py`. */
  config: z.string().regex(PATH, 'a path without quotes, backslashes or newlines').endsWith('.py'),
  /** The MMDetection checkout on every worker node (where `tools/train.py` is). */
  root: z.string().regex(PATH, 'a path without quotes, backslashes or newlines'),
  /** The Python interpreter of MMDetection's environment. Default `python3`. */
  python: z.string().regex(PATH).default('python3'),
  /** GPUs per trial, all on one worker node; several run `torch.distributed.run`. Default 1. */
  gpus_per_trial: z.number().int().min(1).max(8).default(1),
  /** Extra `--cfg-options key=value` for every trial (numbers, booleans, plain words and paths). */
  cfg_options: z
    .record(
      z.string().regex(CONFIG_KEY, 'a dotted config key such as train_dataloader.batch_size'),
      z.union([
        z.number().finite(),
        z.boolean(),
        z.string().regex(SAFE_TEXT, 'letters, digits and ./:+@_- only'),
      ]),
    )
    .default({}),
  /**
   * When a run counts as diverged and is ended at once (`diverged`): a loss above `max_loss` (default 10,000) or a
   * non-finite `grad_norm` on `patience` logged training lines in a row (default 3); a NaN or infinite loss, or an
   * evaluation without a single detection, always.
   */
  divergence: z
    .strictObject({
      max_loss: z.number().positive().max(1e30).default(1e4),
      patience: z.number().int().min(1).max(10_000).default(3),
    })
    .prefault({}),
  /** Wall-clock limit per trial in seconds. */
  timeout_s: TrialTimeoutSchema,
});
export type MmdetTrainerSpec = z.output<typeof MmdetTrainerSpecSchema>;

/**
 * The `cfg_options` keys that may hold a path: where the dataset is read from (its last part `data_root`,
 * `ann_file`, `img_prefix`, `seg_prefix`, or anything under `data_prefix`). A path anywhere else could send
 * MMDetection's output (checkpoints, logs, visualisations) out of the trial's directory, so it is refused; these
 * must lie in the worker's directories, checked on the worker.
 */
const DATA_PATH_KEY =
  /(?:^|\.)(?:data_root|ann_file|img_prefix|seg_prefix|data_prefix(?:\.[A-Za-z0-9_]+)?)$/;

/** Whether a `cfg_options` entry names a dataset path (see {@link DATA_PATH_KEY}). */
export function isDataPathOption(key: string, value: unknown): value is string {
  return typeof value === 'string' && value.includes('/') && DATA_PATH_KEY.test(key);
}

function cfgOptionIssues(trainer: TrainerSection): ErrorIssue[] {
  const options = trainer.cfg_options;
  if (!options || typeof options !== 'object') return [];
  const issues: ErrorIssue[] = [];
  for (const [key, value] of Object.entries(options)) {
    const at = `trainer.cfg_options.${key}`;
    if (/(?:^|\.)work_dir$/.test(key))
      issues.push({ path: at, message: "the trial's work dir is set by the trainer", value });
    else if (typeof value === 'string' && value.split('/').includes('..'))
      issues.push({ path: at, message: 'a path may not go up with ..', value });
    else if (typeof value === 'string' && value.includes('/') && !isDataPathOption(key, value))
      issues.push({
        path: at,
        message:
          "only dataset paths (data_root, ann_file, img_prefix, seg_prefix, data_prefix.*) may hold a path here: anything else could make MMDetection write outside the trial's directory",
        value,
      });
  }
  return issues;
}

/** `fixed` keys this trainer writes into the derived config (others would be ignored: refused instead). */
export const MMDET_FIXED_KEYS = [
  'norm_decay_mult',
  'bias_decay_mult',
  'max_epochs',
  'epochs',
  'batch_size',
] as const;

function fixedIssues(spec: SweepSpec): ErrorIssue[] {
  const issues: ErrorIssue[] = [];
  for (const [key, value] of Object.entries(spec.fixed)) {
    if (!(MMDET_FIXED_KEYS as readonly string[]).includes(key)) {
      issues.push({
        path: `fixed.${key}`,
        message: `the mmdet trainer does not use "${key}"; it maps ${MMDET_FIXED_KEYS.join(', ')} (use trainer.cfg_options for other config keys)`,
        value,
      });
    } else if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      issues.push({ path: `fixed.${key}`, message: 'must be a number >= 0', value });
    } else if (key !== 'norm_decay_mult' && key !== 'bias_decay_mult' && !Number.isInteger(value)) {
      issues.push({ path: `fixed.${key}`, message: 'must be a whole number', value });
    }
  }
  return issues;
}

/** The submission-time check of `kind: mmdet`: the section against {@link MmdetTrainerSpecSchema}, and more. */
export function checkMmdetSection(trainer: TrainerSection, spec: SweepSpec): ErrorIssue[] {
  const parsed = MmdetTrainerSpecSchema.safeParse(trainer);
  const issues: ErrorIssue[] = parsed.success
    ? []
    : parsed.error.issues.map((i) => ({
        path: ['trainer', ...i.path].join('.'),
        message:
          i.code === 'unrecognized_keys' ? `unknown field(s): ${i.keys.join(', ')}` : i.message,
      }));
  return [...issues, ...cfgOptionIssues(trainer), ...fixedIssues(spec)];
}

/**
 * What a worker node needs for an mmdet sweep: `tools/train.py` under `root`, the config, and every local checkpoint
 * (`file://` or a path relative to `root`). Only what is absolute here: a relative `root` is resolved by each
 * worker against its own work directory, so it is checked there when a trial starts.
 */
export function mmdetWorkerPaths(trainer: TrainerSection, spec: SweepSpec): WorkerPath[] {
  const parsed = MmdetTrainerSpecSchema.safeParse(trainer);
  if (!parsed.success) return [];
  const { root, config } = parsed.data;
  const rooted = path.isAbsolute(root);
  const out: WorkerPath[] = [];
  if (rooted) out.push({ field: 'trainer.root', path: path.join(root, 'tools', 'train.py') });
  if (path.isAbsolute(config) || rooted)
    out.push({ field: 'trainer.config', path: path.resolve(root, config) });
  spec.checkpoints.forEach((c, i) => {
    const at = checkpointLocation(c, rooted ? root : '/');
    if (at.local && at.path && (rooted || c.uri.startsWith('file://')))
      out.push({ field: `checkpoints[${i}].uri`, path: at.path });
  });
  return out;
}
