/**
 * Turns untrusted input into a validated sweep plan: the parsed spec, its cells, trial counts and what was
 * refused. Every problem is reported with its path and value, all at once.
 */
import type { z } from 'zod';
import { DomainError, formatPath, valueAt, type ErrorIssue } from './errors.ts';
import { countCells, expandSpace, type Cell, type RefusedValue } from './grid.ts';
import { DEPRECATED_SNAPSHOT_PLACEHOLDER, placeholdersIn } from './placeholders.ts';
import { OPTIMIZERS, type SweepSpec, sweepSpecSchema } from './spec.ts';
import type { EpochBudget } from './epoch-budget.ts';
import { DEFAULT_MAX_EPOCHS_PER_TRIAL, EPOCH_KEYS, refuseEpochCount } from './limits.ts';
import { trialEpochs } from './strategy.ts';
import { strategyRules } from './strategy-rules.ts';
import type { TrainerSectionRules } from './trainer.ts';

/** Placeholders every trial has a value for, whatever the optimizer. */
export const GLOBAL_PLACEHOLDERS = [
  'optimizer',
  'seed',
  'trial.id',
  'sweep.id',
  'checkpoint.name',
  'checkpoint.uri',
  'checkpoint.prefix',
  'checkpoint.format',
  'snapshot_dir',
  'resume_from',
  DEPRECATED_SNAPSHOT_PLACEHOLDER,
] as const;

/** Default cap on trials per sweep (cells x checkpoints x seeds); the server can set its own. */
export const DEFAULT_MAX_TRIALS = 10_000;

/** A server's bounds on one sweep (its settings `SWEEPS_MAX_TRIALS`, `SWEEPS_MAX_EPOCHS_PER_TRIAL`). */
export interface PlanLimits {
  /** Most trials (cells x checkpoints x seeds). Default {@link DEFAULT_MAX_TRIALS}. */
  maxTrials: number;
  /** Most epochs per trial (`fixed.epochs`, `fixed.max_epochs`). Default {@link DEFAULT_MAX_EPOCHS_PER_TRIAL}. */
  maxEpochsPerTrial: number;
}

export const DEFAULT_PLAN_LIMITS: PlanLimits = {
  maxTrials: DEFAULT_MAX_TRIALS,
  maxEpochsPerTrial: DEFAULT_MAX_EPOCHS_PER_TRIAL,
};

export interface SweepPlan {
  spec: SweepSpec;
  cells: Cell[];
  trialsPerCheckpoint: number;
  totalTrials: number;
  refused: RefusedValue[];
  /** Trial epochs of the sweep's own seeds (rungs; full grid, most, fewest); null without integer `fixed.epochs`. */
  epochs: EpochBudget | null;
}

/** Converts zod issues into paths, messages and the offending values. */
export function issuesFromZod(error: z.ZodError, input: unknown): ErrorIssue[] {
  return error.issues.map((issue) => {
    const path = issue.path as PropertyKey[];
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : undefined;
    if (keys) {
      return {
        path: formatPath(path),
        message: `unknown field${keys.length > 1 ? 's' : ''}: ${keys.join(', ')}${hintFor(path)}`,
      };
    }
    const value = valueAt(input, path);
    if (value === undefined && issue.code === 'invalid_type') {
      return {
        path: formatPath(path),
        message: `is required (${issue.expected === 'object' ? 'an object' : issue.expected === 'array' ? 'a list' : `a ${issue.expected}`})`,
      };
    }
    return {
      path: formatPath(path),
      message: issue.message,
      ...(value === undefined ? {} : { value }),
    };
  });
}

function hintFor(path: PropertyKey[]): string {
  return formatPath(path) === 'space.optimizer'
    ? ` (known optimizers: ${OPTIMIZERS.join(', ')})`
    : '';
}

/** Every `{placeholder}` of the trainer's templates has a value in every trial (its optimizer's, or a fixed one). */
function checkPlaceholders(spec: SweepSpec, kind: TrainerSectionRules | undefined): ErrorIssue[] {
  const fixed = Object.keys(spec.fixed);
  const issues: ErrorIssue[] = [];
  for (const { path, template } of kind?.templates?.(spec.trainer) ?? []) {
    for (const name of placeholdersIn(template)) {
      if ((GLOBAL_PLACEHOLDERS as readonly string[]).includes(name) || fixed.includes(name))
        continue;
      const lacking = OPTIMIZERS.filter((o) => {
        const lists = spec.space.optimizer[o] as Record<string, unknown> | undefined;
        return lists !== undefined && lists[name] === undefined;
      });
      if (lacking.length === 0) continue;
      issues.push({
        path,
        value: template,
        message: `placeholder {${name}} has no value for ${lacking.join(' and ')} trials; use one of ${[
          ...GLOBAL_PLACEHOLDERS,
          ...fixed,
          "the optimizer's own keys (lr, weight_decay, ...)",
        ].join(', ')}, or add ${name} to fixed`,
      });
    }
  }
  return issues;
}

/** The server's epoch cap on `fixed.epochs` and `fixed.max_epochs` (the schema checked their shape). */
function checkEpochCap(spec: SweepSpec, cap: number): ErrorIssue[] {
  return EPOCH_KEYS.flatMap((key) => {
    const value = spec.fixed[key];
    const refused = value === undefined ? null : refuseEpochCount(value, cap);
    return refused ? [{ path: `fixed.${key}`, message: refused, value }] : [];
  });
}

/**
 * Parses and checks a sweep spec; throws `INVALID_SPEC` or `TOO_MANY_TRIALS` naming every bad path. `limits`: the
 * server's bounds (defaults {@link DEFAULT_PLAN_LIMITS}); `trainers`: the trainer catalogue (`@sweeps/trainers`,
 * which the API passes), whose kind's schema and checks the `trainer` section must pass. Without one, the section
 * is only checked to be an object with a kind (tests of what does not depend on the trainer).
 */
export function planSweep(
  input: unknown,
  limits: Partial<PlanLimits> = {},
  trainers: readonly TrainerSectionRules[] = [],
): SweepPlan {
  const { maxTrials, maxEpochsPerTrial } = { ...DEFAULT_PLAN_LIMITS, ...limits };
  const parsed = sweepSpecSchema(trainers).safeParse(input);
  if (!parsed.success) {
    const issues = issuesFromZod(parsed.error, input);
    throw new DomainError(
      'INVALID_SPEC',
      `The sweep has ${issues.length} problem${issues.length > 1 ? 's' : ''}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      issues,
    );
  }
  const spec = parsed.data;
  const epochIssues = checkEpochCap(spec, maxEpochsPerTrial);
  if (epochIssues.length > 0) {
    throw new DomainError(
      'INVALID_SPEC',
      `The sweep asks for too many epochs: ${epochIssues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      epochIssues,
    );
  }
  const kind = trainers.find((t) => t.kind === spec.trainer.kind);
  const placeholderIssues = checkPlaceholders(spec, kind);
  if (placeholderIssues.length > 0) {
    throw new DomainError(
      'INVALID_SPEC',
      `The command template has placeholders without values: ${placeholderIssues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      placeholderIssues,
    );
  }
  const trainerIssues = kind?.check?.(spec.trainer, spec) ?? [];
  if (trainerIssues.length > 0) {
    throw new DomainError(
      'INVALID_SPEC',
      `The trainer's options have ${trainerIssues.length} problem${trainerIssues.length > 1 ? 's' : ''}: ${trainerIssues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      trainerIssues,
    );
  }
  const perCheckpoint = gridTrialsPerCheckpoint(spec);
  const total = perCheckpoint * spec.checkpoints.length;
  if (total > maxTrials) {
    throw new DomainError(
      'TOO_MANY_TRIALS',
      `The sweep would create ${total} trials (${countCells(spec.space)} cells x ${spec.checkpoints.length} checkpoints x ${spec.seeds.length} seeds); the limit is ${maxTrials}.`,
      [
        {
          path: 'space',
          message: `${total} trials exceed the limit of ${maxTrials}`,
          value: total,
        },
      ],
    );
  }
  const { cells, refused } = expandSpace(spec.space);
  const epochs = trialEpochs(spec.fixed);
  const strategy = strategyRules(spec.strategy);
  return {
    spec,
    cells,
    trialsPerCheckpoint: perCheckpoint,
    totalTrials: total,
    refused,
    epochs:
      epochs === null
        ? null
        : strategy.epochBudget(
            epochs,
            perCheckpoint,
            spec.checkpoints.length,
            strategy.pauses(kind?.resumes?.(spec.trainer) ?? false),
          ),
  };
}

/** The grid's trials per checkpoint: its cells x the sweep's own seeds (confirm-stage trials come on top). */
export function gridTrialsPerCheckpoint(spec: SweepSpec): number {
  return countCells(spec.space) * spec.seeds.length;
}

/**
 * What running the sweep's grid to the end costs in trial epochs: cells x checkpoints x the sweep's own seeds x
 * `fixed.epochs`, the `fullGrid` of {@link planSweep}'s epoch budget. Confirm-stage trials are not part of the
 * grid (they are extra, and their number depends on results). Null without integer `fixed.epochs`.
 */
export function fullGridEpochs(spec: SweepSpec): number | null {
  const epochs = trialEpochs(spec.fixed);
  return epochs === null ? null : gridTrialsPerCheckpoint(spec) * spec.checkpoints.length * epochs;
}
