/**
 * The sweep file: what a user writes (YAML or JSON) and POSTs. Field names may grow, never break.
 * Everything unknown is refused, so a typo never silently changes a study.
 */
import { z } from 'zod';
import { EPOCH_KEYS, MAX_EPOCHS_CEILING, refuseEpochCount } from './limits.ts';
import { ConfirmSchema, rungEpochs, StrategySchema, trialEpochs } from './strategy.ts';
import { matchesAny, NEVER_SETTABLE_ENV } from './worker-policy.ts';

const positiveList = (what: string) =>
  z
    .array(z.number().finite().positive(`${what} must be > 0`))
    .min(1, `${what} needs at least one value`)
    .max(1000);
const nonNegativeList = (what: string) =>
  z
    .array(z.number().finite().nonnegative(`${what} must be >= 0`))
    .min(1, `${what} needs at least one value`)
    .max(1000);

/** SGD's grid: weight decay is added to the gradient, as in `torch.optim.SGD`. Default momentum: [0.9]. */
export const SgdSpaceSchema = z.strictObject({
  lr: positiveList('lr'),
  weight_decay: nonNegativeList('weight_decay'),
  momentum: z.array(z.number().min(0).lt(1, 'momentum must be < 1')).min(1).max(100).default([0.9]),
  nesterov: z.array(z.boolean()).min(1).max(2).optional(),
});

/** AdamW's grid: decoupled weight decay, as in `torch.optim.AdamW`. */
export const AdamWSpaceSchema = z.strictObject({
  lr: positiveList('lr'),
  weight_decay: nonNegativeList('weight_decay'),
  beta1: z.array(z.number().min(0).lt(1)).min(1).max(100).optional(),
  beta2: z.array(z.number().min(0).lt(1)).min(1).max(100).optional(),
  eps: z.array(z.number().positive()).min(1).max(100).optional(),
});

export const OPTIMIZERS = ['SGD', 'AdamW'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

export const SearchSpaceSchema = z.strictObject({
  optimizer: z
    .strictObject({ SGD: SgdSpaceSchema.optional(), AdamW: AdamWSpaceSchema.optional() })
    .refine(
      (o) => Object.values(o).some((v) => v !== undefined),
      'name at least one optimizer (SGD or AdamW)',
    ),
});
export type SearchSpace = z.infer<typeof SearchSpaceSchema>;

const CheckpointNameSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/,
    'use letters, digits, ".", "_" and "-" (at most 100)',
  );

/** A backbone's pretrained weights. `format` is inferred from the URI's extension when absent. */
export const CheckpointSpecSchema = z.strictObject({
  name: CheckpointNameSchema,
  uri: z.string().min(1).max(2000),
  format: z.enum(['safetensors', 'pth', 'json', 'none']).optional(),
  /** Key prefix stripped when loading, e.g. `backbone.` for MMClassification weights. */
  prefix: z.string().max(200).optional(),
  /** The checkpoint the best-setting table measures gains against. At most one. */
  baseline: z.boolean().default(false),
});
export type CheckpointSpec = z.infer<typeof CheckpointSpecSchema>;

/**
 * Where a command's metrics come from: JSON lines on stdout (default), lines of stdout/stderr matching a regex
 * with named groups (`epoch` and one per metric), or a JSON/JSON-lines file the command writes.
 */
export const CommandMetricsSchema = z.discriminatedUnion('format', [
  z.strictObject({ format: z.literal('jsonl') }),
  z.strictObject({ format: z.literal('regex'), pattern: z.string().min(1).max(1000) }),
  z.strictObject({ format: z.literal('file'), path: z.string().min(1).max(2000) }),
]);

/** A trainer's wall-clock limit per trial in seconds, at most 30 days (default: none). */
export const TrialTimeoutSchema = z
  .number()
  .int()
  .positive()
  .max(30 * 24 * 3600)
  .optional();

/** Runs any training command; `{placeholders}` are substituted per trial, each as one argv entry. */
export const CommandTrainerSchema = z.strictObject({
  kind: z.literal('command'),
  command: z.array(z.string().min(1).max(4000)).min(1).max(500),
  metrics: CommandMetricsSchema.default({ format: 'jsonl' }),
  /** Working directory, relative to the worker's directory. Default: the worker's directory. */
  cwd: z.string().max(2000).optional(),
  /** Extra environment variables for the command; values may contain placeholders. */
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string().max(4000)).optional(),
  /** Wall-clock limit per trial in seconds (default: none). */
  timeout_s: TrialTimeoutSchema,
});

/** The built-in TF.js detector trainer; its options are validated by the trainer itself. */
export const TfjsTrainerSchema = z.strictObject({
  kind: z.literal('tfjs'),
  options: z.record(z.string(), z.unknown()).default({}),
  timeout_s: TrialTimeoutSchema,
});

/**
 * MMDetection 2.x/3.x driven unchanged (`packages/trainer-mmdet`). Only the kind is checked here: the trainer's
 * own {@link TrainerSpecCheck} refuses unknown or bad fields at submission, naming each path.
 */
export const MmdetTrainerSchema = z.looseObject({ kind: z.literal('mmdet') });

/** An in-process trainer that does no work, for measuring orchestration overhead. */
export const NoopTrainerSchema = z.strictObject({
  kind: z.literal('noop'),
  /** How long each trial pretends to train, per epoch. */
  epoch_ms: z.number().int().min(0).max(60_000).default(0),
  timeout_s: TrialTimeoutSchema,
});

export const TrainerSpecSchema = z.discriminatedUnion('kind', [
  CommandTrainerSchema,
  TfjsTrainerSchema,
  MmdetTrainerSchema,
  NoopTrainerSchema,
]);
export type TrainerSpec = z.infer<typeof TrainerSpecSchema>;

/** Whether a sweep's metric is better high (`maximize`, the default) or low. */
export const GoalSchema = z.enum(['maximize', 'minimize']);
export type Goal = z.infer<typeof GoalSchema>;

export const MetricSpecSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_.]{0,99}$/, 'a metric name like bbox_mAP'),
  goal: GoalSchema.default('maximize'),
});

const FixedValueSchema = z.union([z.number().finite(), z.string().max(4000), z.boolean()]);

/** A whole sweep. Defaults: goal `maximize`, seeds `[0]`, strategy `grid`, 3 attempts per trial. */
export const SweepSpecSchema = z
  .strictObject({
    name: z.string().trim().min(1, 'name must not be empty').max(200),
    description: z.string().max(4000).optional(),
    metric: MetricSpecSchema,
    trainer: TrainerSpecSchema,
    checkpoints: z.array(CheckpointSpecSchema).min(1, 'list at least one checkpoint').max(200),
    space: SearchSpaceSchema,
    fixed: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), FixedValueSchema).default({}),
    seeds: z
      .array(
        z
          .number()
          .int()
          .min(0)
          .max(2 ** 31 - 1),
      )
      .min(1, 'list at least one seed')
      .max(1000)
      .default([0]),
    /** `grid` (default) or `asha` (successive halving per checkpoint; needs an integer `fixed.epochs`). */
    strategy: StrategySchema.default({ kind: 'grid' }),
    /** Optional confirm stage: each checkpoint's top cells run again with extra seeds. */
    confirm: ConfirmSchema.optional(),
    /** Attempts per trial for transient failures (crashes, lost workers), with exponential backoff. */
    max_attempts: z.number().int().min(1).max(20).default(3),
  })
  .superRefine((spec, ctx) => {
    const seen = new Map<string, number>();
    spec.checkpoints.forEach((c, i) => {
      const first = seen.get(c.name);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['checkpoints', i, 'name'],
          message: `duplicate checkpoint name "${c.name}" (also checkpoints[${first}])`,
        });
      } else seen.set(c.name, i);
    });
    const baselines = spec.checkpoints.flatMap((c, i) => (c.baseline ? [i] : []));
    if (baselines.length > 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['checkpoints', baselines[1]!, 'baseline'],
        message: 'only one checkpoint can be the baseline',
      });
    }
    const seeds = new Set<number>();
    spec.seeds.forEach((s, i) => {
      if (seeds.has(s))
        ctx.addIssue({ code: 'custom', path: ['seeds', i], message: `duplicate seed ${s}` });
      seeds.add(s);
    });
    checkEpochKeys(spec.fixed, ctx);
    checkNeverSettableEnv(spec.trainer, ctx);
    checkStrategy(spec, ctx);
  });

/**
 * `fixed.epochs` and `fixed.max_epochs` are whole numbers up to {@link MAX_EPOCHS_CEILING} (the server's own cap,
 * lower, is applied by `planSweep`): `1e308` or `12.5` epochs never reach a worker.
 */
function checkEpochKeys(fixed: Record<string, unknown>, ctx: z.RefinementCtx): void {
  for (const key of EPOCH_KEYS) {
    if (!(key in fixed)) continue;
    const refused = refuseEpochCount(fixed[key], MAX_EPOCHS_CEILING);
    if (refused) ctx.addIssue({ code: 'custom', path: ['fixed', key], message: refused });
  }
}

/**
 * A command's `trainer.env` may not name a variable no worker ever lets a sweep set (loaders, interpreters, the
 * slot's GPU, the worker's own): refused here, naming it, instead of failing on every worker.
 */
function checkNeverSettableEnv(trainer: { kind: string }, ctx: z.RefinementCtx): void {
  const env = (trainer as { env?: Record<string, string> }).env;
  for (const name of Object.keys(env ?? {})) {
    if (!matchesAny(name, NEVER_SETTABLE_ENV)) continue;
    ctx.addIssue({
      code: 'custom',
      path: ['trainer', 'env', name],
      message: `a sweep may never set ${name}: no worker runs a trial with it (never settable: ${NEVER_SETTABLE_ENV.join(', ')})`,
    });
  }
}

type SpecDraft = {
  strategy: z.output<typeof StrategySchema>;
  fixed: Record<string, unknown>;
  seeds: number[];
  confirm?: z.output<typeof ConfirmSchema> | undefined;
};

function checkStrategy(spec: SpecDraft, ctx: z.RefinementCtx): void {
  const { epochs: e, max_epochs: m } = spec.fixed;
  if (e !== undefined && m !== undefined && e !== m)
    ctx.addIssue({
      code: 'custom',
      path: ['fixed', 'max_epochs'],
      message: `set the epochs of a trial once: fixed.epochs is ${String(e)} and fixed.max_epochs ${String(m)}`,
    });
  if (spec.strategy.kind === 'asha') {
    const epochs = trialEpochs(spec.fixed);
    if (epochs === null) {
      ctx.addIssue({
        code: 'custom',
        path: ['fixed', 'epochs'],
        message:
          'strategy asha needs fixed.epochs (or fixed.max_epochs), a positive integer (the epochs of every trial)',
      });
    } else if (
      spec.strategy.reduction_factor >= 2 &&
      rungEpochs(spec.strategy, epochs).length === 0
    ) {
      ctx.addIssue({
        code: 'custom',
        path:
          spec.strategy.min_epochs === undefined ? ['fixed', 'epochs'] : ['strategy', 'min_epochs'],
        message:
          spec.strategy.min_epochs === undefined
            ? `strategy asha needs at least 2 epochs to compare trials before the end (fixed.epochs is ${epochs})`
            : `min_epochs must be below fixed.epochs (${epochs}), or no trial is ever compared`,
      });
    }
  }
  const seen = new Set<number>();
  spec.confirm?.seeds.forEach((s, i) => {
    if (spec.seeds.includes(s) || seen.has(s))
      ctx.addIssue({
        code: 'custom',
        path: ['confirm', 'seeds', i],
        message: `seed ${s} is already ${seen.has(s) ? 'listed' : 'in seeds'}: confirm seeds are extra seeds`,
      });
    seen.add(s);
  });
}

/** The sweep as written (before defaults). */
export type SweepSpecInput = z.input<typeof SweepSpecSchema>;
/** The sweep with every default filled in. */
export type SweepSpec = z.output<typeof SweepSpecSchema>;
