/**
 * The sweep file: what a user writes (YAML or JSON) and POSTs. Field names may grow, never break.
 * Everything unknown is refused, so a typo never silently changes a study.
 */
import { z } from 'zod';
import { EPOCH_KEYS, MAX_EPOCHS_CEILING, refuseEpochCount } from './limits.ts';
import { ConfirmSchema, SeedSchema, StrategySchema } from './strategy.ts';
import { strategyRules } from './strategy-rules.ts';
import { DEFAULT_GOAL, DEFAULT_MAX_ATTEMPTS, DEFAULT_MOMENTUM, DEFAULT_SEEDS } from './defaults.ts';
import type { TrainerSection, TrainerSectionRules } from './trainer.ts';
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

/** SGD's grid: weight decay is added to the gradient, as in `torch.optim.SGD`. Default momentum: [{@link DEFAULT_MOMENTUM}]. */
export const SgdSpaceSchema = z.strictObject({
  lr: positiveList('lr'),
  weight_decay: nonNegativeList('weight_decay'),
  momentum: z
    .array(z.number().min(0).lt(1, 'momentum must be < 1'))
    .min(1)
    .max(100)
    .default(() => [DEFAULT_MOMENTUM]),
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

/** A trainer's wall-clock limit per trial in seconds, at most 30 days (default: none). */
export const TrialTimeoutSchema = z
  .number()
  .int()
  .positive()
  .max(30 * 24 * 3600)
  .optional();

/**
 * The `trainer` section as core checks it: an object with a `kind`. Each kind's own schema (its descriptor in the
 * trainer catalogue, see {@link sweepSpecSchema}) checks the rest; core imports no trainer.
 */
export const TrainerSectionSchema = z.looseObject({
  kind: z.string().min(1, 'name the trainer kind').max(100),
});

/** Whether a sweep's metric is better high (`maximize`, the default) or low. */
export const GoalSchema = z.enum(['maximize', 'minimize']);
export type Goal = z.infer<typeof GoalSchema>;

export const MetricSpecSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_.]{0,99}$/, 'a metric name like bbox_mAP'),
  goal: GoalSchema.default(DEFAULT_GOAL),
});

const FixedValueSchema = z.union([z.number().finite(), z.string().max(4000), z.boolean()]);

/**
 * A whole sweep whose `trainer` section is checked by `trainer` (see {@link sweepSpecSchema}). Defaults: goal
 * {@link DEFAULT_GOAL}, seeds {@link DEFAULT_SEEDS}, strategy `grid`, {@link DEFAULT_MAX_ATTEMPTS} attempts per trial.
 */
const sweepSchemaWith = (trainer: z.ZodType<TrainerSection>) =>
  z
    .strictObject({
      name: z.string().trim().min(1, 'name must not be empty').max(200),
      description: z.string().max(4000).optional(),
      metric: MetricSpecSchema,
      trainer,
      checkpoints: z.array(CheckpointSpecSchema).min(1, 'list at least one checkpoint').max(200),
      space: SearchSpaceSchema,
      fixed: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), FixedValueSchema).default({}),
      seeds: z
        .array(SeedSchema)
        .min(1, 'list at least one seed')
        .max(1000)
        .default(() => [...DEFAULT_SEEDS]),
      /** `grid` (default) or `asha` (successive halving per checkpoint; needs an integer `fixed.epochs`). */
      strategy: StrategySchema.default({ kind: 'grid' }),
      /** Optional confirm stage: each checkpoint's top cells run again with extra seeds. */
      confirm: ConfirmSchema.optional(),
      /** Attempts per trial for transient failures (crashes, lost workers), with exponential backoff. */
      max_attempts: z.number().int().min(1).max(20).default(DEFAULT_MAX_ATTEMPTS),
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

/** A sweep whose `trainer` section is any object with a kind (no trainer catalogue given). */
export const SweepSpecSchema = sweepSchemaWith(TrainerSectionSchema);

/** The schema of each trainer list, built once per list (`planSweep` asks on every plan). */
const schemaOfList = new WeakMap<
  readonly TrainerSectionRules[],
  z.ZodType<SweepSpec, SweepSpecInput>
>();

/**
 * The sweep file's schema over a trainer catalogue: `trainer` is one of the listed kinds, parsed with its own
 * schema (defaults filled in, every problem reported with the rest of the file's). An empty list: any kind, only
 * checked to be an object with a kind ({@link SweepSpecSchema}).
 */
export function sweepSpecSchema(
  trainers: readonly TrainerSectionRules[],
): z.ZodType<SweepSpec, SweepSpecInput> {
  if (trainers.length === 0) return SweepSpecSchema;
  let schema = schemaOfList.get(trainers);
  if (!schema) {
    // Every descriptor's schema is an object with a literal `kind` (TrainerDescriptor.schema), what a
    // discriminated union needs; the cast only restates that for zod's types.
    const options = trainers.map((t) => t.schema) as unknown as [
      z.core.$ZodTypeDiscriminable,
      ...z.core.$ZodTypeDiscriminable[],
    ];
    schema = sweepSchemaWith(
      z.discriminatedUnion('kind', options) as unknown as z.ZodType<TrainerSection>,
    ) as z.ZodType<SweepSpec, SweepSpecInput>;
    schemaOfList.set(trainers, schema);
  }
  return schema;
}

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
function checkNeverSettableEnv(trainer: TrainerSection, ctx: z.RefinementCtx): void {
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
  for (const issue of strategyRules(spec.strategy).issues(spec.fixed))
    ctx.addIssue({ code: 'custom', ...issue });
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
