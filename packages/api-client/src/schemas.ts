/**
 * The API's response bodies as zod schemas: the routes declare them (so OpenAPI at /docs shows every body and
 * fastify checks what it sends), and the CLI and the dashboard take their types from here, never re-typing them.
 */
import { GRID_CELL_STATES } from '@sweeps/core/grid-cell-state';
import { GoalSchema } from '@sweeps/core/spec';
import {
  FAILURE_REASONS,
  RUNG_OUTCOMES,
  SWEEP_PHASES,
  SWEEP_STATUSES,
  TRIAL_STATES,
  type TrialState,
} from '@sweeps/core/states';
import { z } from 'zod';

/** Core's trial states (the browser-safe entry of `@sweeps/core`: no node modules). */
export const TRIAL_STATE_VALUES = TRIAL_STATES;
export { GoalSchema };

export const ErrorIssueSchema = z.object({
  path: z.string(),
  message: z.string(),
  value: z.unknown().optional(),
});
export type ErrorIssue = z.infer<typeof ErrorIssueSchema>;

/** Every 4xx/5xx body: a code for machines, a sentence for people, the paths at fault. */
export const ErrorBodySchema = z.looseObject({
  error: z.looseObject({
    code: z.string(),
    message: z.string(),
    issues: z.array(ErrorIssueSchema).optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

const ParamValueSchema = z.union([z.number(), z.boolean()]);
const ParamsSchema = z.record(z.string(), ParamValueSchema);
const IsoDate = z.string().describe('ISO 8601 time');

const Count = z.number().int();

/**
 * Trials by state (one count per state of core's list, so a state added there is counted here too; `paused`:
 * asha stopped the trial at a rung until enough trials of its checkpoint have reported there, then it resumes or is
 * pruned; `pruned`: asha stopped the trial at a rung, final, not a failure), and their total.
 */
export const CountsSchema = z.object({
  ...(Object.fromEntries(TRIAL_STATES.map((s) => [s, Count])) as Record<TrialState, typeof Count>),
  total: Count,
});
export type Counts = z.infer<typeof CountsSchema>;

/** A sweep's derived phase (core's `sweepPhase`), never stored. */
export const PhaseSchema = z.enum(SWEEP_PHASES);
export type Phase = z.infer<typeof PhaseSchema>;
/** What the user asked of a sweep (stored): active or cancelled. */
export const SweepStatusSchema = z.enum(SWEEP_STATUSES);

export const PreviewSchema = z.object({
  name: z.string(),
  trialsPerCheckpoint: z.number().int(),
  totalTrials: z.number().int(),
  checkpoints: z.array(
    z.object({ name: z.string(), baseline: z.boolean(), trials: z.number().int() }),
  ),
  seeds: z.array(z.number()),
  cells: z.array(z.object({ optimizer: z.string(), params: ParamsSchema, configHash: z.string() })),
  refused: z.array(z.object({ path: z.string(), value: ParamValueSchema, reason: z.string() })),
  strategy: z.looseObject({ kind: z.string() }),
  /**
   * Trial epochs: asha's rungs, each trial's epochs, the full grid's cost, the most and fewest asha can cost, the
   * synchronous-halving ideal (`typical`) and the expected cost in a random start order (`expected`), for the
   * form asha takes with this trainer: `pauses` when its trials resume from snapshots (undecided trials wait at
   * a rung), otherwise each is decided at once.
   */
  epochs: z
    .object({
      rungs: z.array(z.number().int()),
      pauses: z.boolean(),
      trialEpochs: z.number().int(),
      fullGrid: z.number().int(),
      most: z.number().int(),
      fewest: z.number().int(),
      typical: z.number().int(),
      expected: z.number().int(),
    })
    .nullable(),
  /** The confirm stage: each checkpoint's `top` cells run again with the extra `seeds`; null without one. */
  confirm: z.object({ top: z.number().int(), seeds: z.array(z.number().int()) }).nullable(),
  /** Said when no live worker would run the sweep's trainer (their published policies refuse it). */
  warnings: z.array(z.string()).optional(),
});
export type Preview = z.infer<typeof PreviewSchema>;

export const SubmitResultSchema = z.object({
  id: z.string(),
  created: z.boolean(),
  name: z.string(),
  totalTrials: z.number().int(),
  /** As in the preview: no live worker would run the sweep's trainer. */
  warnings: z.array(z.string()).optional(),
});
export type SubmitResult = z.infer<typeof SubmitResultSchema>;

/** What the sweeps list and a sweep's own view both say of a sweep. */
const SweepBaseSchema = z.object({
  id: z.string(),
  name: z.string(),
  status: SweepStatusSchema.describe('what the user asked: active, or cancelled'),
  phase: PhaseSchema.describe(
    'derived from the status and the trials: queued, running, finished (every trial finished and no confirm-stage trial still to be added), cancelled',
  ),
  createdAt: IsoDate,
  counts: CountsSchema,
});

export const SweepSummarySchema = SweepBaseSchema.extend({
  metricName: z.string(),
  metricGoal: GoalSchema,
  trainerKind: z.string(),
  /** The best cell mean so far (final metric), null before any trial succeeded. */
  best: z.number().nullable(),
});
export type SweepSummary = z.infer<typeof SweepSummarySchema>;

export const SweepListSchema = z.object({
  sweeps: z.array(SweepSummarySchema),
  /** Pass as `before` for the next (older) page; null on the last page. */
  nextBefore: IsoDate.nullable(),
});
export type SweepList = z.infer<typeof SweepListSchema>;

export const SweepSchema = SweepBaseSchema.extend({
  metric: z.object({ name: z.string(), goal: GoalSchema }),
  trainer: z.string(),
  checkpoints: z.array(z.object({ name: z.string(), uri: z.string(), baseline: z.boolean() })),
  /** Trial epochs run so far: each trial's current lease, confirm-stage trials included. */
  epochs_run: z
    .number()
    .int()
    .describe(
      "trial epochs run so far: the sum over the sweep's trials (confirm-stage trials included) of the epochs their current lease has recorded",
    ),
  /** The grid's cost: cells x checkpoints x the sweep's own seeds x `fixed.epochs` (no confirm-stage trials). */
  epochs_full_grid: z
    .number()
    .int()
    .nullable()
    .describe(
      "what running the whole grid to the end costs, in trial epochs: cells x checkpoints x the sweep's own seeds x fixed.epochs, the preview's full grid; confirm-stage trials are extra and not counted; null when fixed.epochs is not an integer",
    ),
  /** The submitted spec; for a read-only key, `trainer.env` values read `(redacted)` (write keys see them). */
  spec: z.record(z.string(), z.unknown()),
  /** Id of the API key that created the sweep (it, or an admin key, may cancel, retry, extend or delete it). */
  createdByKeyId: z.string().nullable().optional(),
});
export type Sweep = z.infer<typeof SweepSchema>;

export const TrialSummarySchema = z.object({
  id: z.string(),
  checkpoint: z.string(),
  optimizer: z.string(),
  params: ParamsSchema,
  seed: z.number().int(),
  configHash: z.string(),
  state: z
    .enum(TRIAL_STATE_VALUES)
    .describe(
      'queued, running, paused (asha: stopped at a rung until enough trials of its checkpoint have reported there; it then resumes or is pruned), succeeded, failed, cancelled or pruned',
    ),
  /** asha: where a paused trial waits, the rung epoch and its value there; null unless the trial is paused. */
  pausedAt: z
    .object({ epoch: z.number().int(), value: z.number().nullable() })
    .nullable()
    .describe(
      'For a paused trial: the rung epoch it waits at and its value of the metric there (null when not a finite number); null otherwise',
    ),
  attempts: z.number().int(),
  worker: z.string().nullable(),
  finalMetric: z.number().nullable(),
  error: z.string().nullable(),
  reason: z
    .enum(FAILURE_REASONS)
    .nullable()
    .describe(
      'Why the trial failed, in one word: diverged, oom, invalid, timeout, lost or failed (null unless it failed)',
    ),
  backend: z.string().nullable(),
  device: z.string().nullable(),
  startedAt: IsoDate.nullable(),
  finishedAt: IsoDate.nullable(),
});
export type TrialSummary = z.infer<typeof TrialSummarySchema>;

export const TrialPageSchema = z.object({
  trials: z.array(TrialSummarySchema),
  nextCursor: z.string().nullable(),
});
export type TrialPage = z.infer<typeof TrialPageSchema>;

/** What a trial view says of one lease that recorded metrics (its number is added under its name). */
const MetricLeaseSchema = z.object({
  epochs: z.number().int(),
  firstAt: IsoDate,
  lastAt: IsoDate,
  current: z.boolean(),
});

export const TrialSchema = TrialSummarySchema.extend({
  checkpointUri: z.string(),
  finalMetrics: z.record(z.string(), z.unknown()).nullable(),
  outputTail: z.string().nullable(),
  /**
   * The lease `epochs` belong to: by default the latest lease that recorded an epoch (null before any), or the one
   * asked for with `?lease=`. Every claim of the trial (a retry, a resume, a start after a hand-back) takes a
   * higher lease.
   */
  epochsLease: z.number().int().nullable(),
  /** Every lease that recorded metrics, oldest first; `current` marks the one reads use (grid, best, curves). */
  metricLeases: z.array(MetricLeaseSchema.extend({ lease: z.number().int() })),
  /** Deprecated: the first name of `epochsLease`, the same number; still sent, will be removed. */
  epochsAttempt: z.number().int().nullable(),
  /** Deprecated: the first name of `metricLeases` (each entry's `attempt` is its `lease`); still sent, will be removed. */
  metricAttempts: z.array(MetricLeaseSchema.extend({ attempt: z.number().int() })),
  /**
   * One entry per epoch of that lease: `epoch` and every metric reported for it; one page of at most 1,000 epochs
   * (`?epochs_from=&epochs_limit=`), by default the first.
   */
  epochs: z.array(z.record(z.string(), z.number())),
  /** There are later epochs than this page holds: ask again with `epochs_from=epochsNextFrom`. */
  epochsTruncated: z.boolean(),
  /** The first epoch after this page (the next page's `epochs_from`), or null when the page reaches the last. */
  epochsNextFrom: z.number().int().nullable(),
  /**
   * asha: the sweep's metric at each rung the trial reached and what became of it there (`promoted`, `paused`
   * waiting for the rung to fill, or `pruned`), with its rank among the checkpoint's values at that rung and why;
   * empty for a grid sweep.
   */
  rungs: z.array(
    z.object({
      epoch: z.number().int(),
      /** null when the trainer reported a value that is not a number (NaN): such a trial never goes on */
      value: z.number().nullable(),
      rank: z.number().int(),
      of: z.number().int(),
      outcome: z.enum(RUNG_OUTCOMES),
      reason: z.string(),
    }),
  ),
});
export type Trial = z.infer<typeof TrialSchema>;

export const CellResultSchema = z.object({
  checkpoint: z.string(),
  optimizer: z.string(),
  configHash: z.string(),
  params: ParamsSchema,
  n: z.number().int(),
  mean: z.number(),
  std: z.number().nullable(),
});
export type CellResult = z.infer<typeof CellResultSchema>;

export { GRID_CELL_STATES };

/** Where every trial of one grid cell stands, and why it has no value when it has none. */
export const GridCellSummarySchema = CountsSchema.extend({
  state: z.enum(GRID_CELL_STATES),
  /** Failed trials whose reason is `diverged` (part of `failed`). */
  diverged: Count,
  /** One failed trial's error, for a cell that has failures; for a pruned cell, why it was pruned. */
  reason: z.string().nullable(),
  /** asha: the epoch a trial of the cell was pruned at ("pruned at epoch 3") and its value there. */
  prunedEpoch: z.number().int().nullable(),
  prunedValue: z.number().nullable(),
  /** asha: the earliest epoch a trial of the cell was pruned at; below prunedEpoch when its seeds stopped apart. */
  prunedEpochMin: z.number().int().nullable().optional(),
  /**
   * asha with pausing: the rung epoch a paused trial of the cell waits at ("paused at epoch 3") and its value there;
   * null when none of its trials is paused.
   */
  pausedEpoch: z.number().int().nullable(),
  pausedValue: z.number().nullable(),
});
export type GridCellSummary = z.infer<typeof GridCellSummarySchema>;

export const GridValueSchema = z.enum(['final', 'best_epoch']);
export type GridValue = z.infer<typeof GridValueSchema>;

export const GridMatrixSchema = z.object({
  checkpoint: z.string(),
  optimizer: z.string(),
  lrs: z.array(z.number()),
  weightDecays: z.array(z.number()),
  /** `values[i][j]` is for lrs[i] and weightDecays[j]: mean ± std over n seeds, null without a result. */
  values: z.array(z.array(CellResultSchema.nullable())),
  failed: z.array(z.array(z.number().int())),
  gridCells: z
    .array(z.array(GridCellSummarySchema))
    .describe(
      'Per grid cell (lrs[i] x weightDecays[j]): its trials by state and the one state it is drawn with (succeeded when it has a value, else running, paused, queued, pruned, diverged, failed, cancelled or empty, the first that applies)',
    ),
  cells: z
    .array(z.array(GridCellSummarySchema))
    .describe('Deprecated: the same as gridCells (its first name); still sent, will be removed'),
});
export type GridMatrix = z.infer<typeof GridMatrixSchema>;

export const GridSchema = z.object({
  metric: z.string(),
  goal: GoalSchema,
  /** `final`: each trial's last epoch; `best_epoch`: each trial's best epoch of the metric. */
  value: GridValueSchema,
  matrices: z.array(GridMatrixSchema),
});
export type Grid = z.infer<typeof GridSchema>;

const BestRowOutcomeSchema = z.enum(['ok', 'nothing_succeeded']);

export const BestTableSchema = z.object({
  metric: z.string(),
  goal: GoalSchema,
  baseline: z.string().nullable(),
  rows: z.array(
    z.object({
      checkpoint: z.string(),
      baseline: z.boolean(),
      /** `nothing_succeeded`: no trial of this checkpoint has a usable result yet. */
      outcome: BestRowOutcomeSchema,
      /** Deprecated: the first name of `outcome`, the same value; still sent, will be removed. */
      status: BestRowOutcomeSchema,
      best: CellResultSchema.nullable(),
      gain: z.number().nullable(),
      /** 95 % Welch interval of the gain over the baseline's best cell; null with < 2 seeds a side. */
      gain_ci95: z.tuple([z.number(), z.number()]).nullable(),
      runner_up: CellResultSchema.nullable(),
      /** Two-sided Welch t-test p-value of best vs runner-up. */
      p_vs_runner_up: z.number().nullable(),
      /** True when `gain_ci95` contains 0. */
      within_noise: z.boolean().nullable(),
    }),
  ),
});
export type BestTable = z.infer<typeof BestTableSchema>;

export const CancelResultSchema = z.object({
  id: z.string(),
  cancelledQueued: z.number().int(),
  /** asha: trials that were paused at a rung (waiting to resume or be pruned), now cancelled. */
  cancelledPaused: z.number().int(),
  stoppedRunning: z.number().int(),
  /** Set when Redis did not answer: running trials were not told to stop yet. */
  note: z.string().optional(),
});
/** `enqueued: false`: Redis did not take the trials in time; they are queued in PostgreSQL and reconcile enqueues them. */
export const RetryResultSchema = z.object({
  id: z.string(),
  /** Failed trials queued again. */
  retried: z.number().int(),
  /** Deprecated: the old name of `retried`, the same number. */
  requeued: z.number().int(),
  enqueued: z.boolean().optional(),
});
export const ExtendResultSchema = z.object({
  id: z.string(),
  addedTrials: z.number().int(),
  newCheckpoints: z.array(z.string()),
  totalTrials: z.number().int(),
  enqueued: z.boolean().optional(),
});
export const DeleteResultSchema = z.object({
  id: z.string(),
  deleted: z.literal(true),
  /** Running trials that were told to stop (their workers discard what they were writing). */
  stoppedRunning: z.number().int(),
});
export type DeleteResult = z.infer<typeof DeleteResultSchema>;
export type CancelResult = z.infer<typeof CancelResultSchema>;
export type RetryResult = z.infer<typeof RetryResultSchema>;
export type ExtendResult = z.infer<typeof ExtendResultSchema>;

/** A worker's liveness: `alive`, `lost` (no heartbeat for longer than the lost limit) or `stopped`. */
export const WorkerLivenessSchema = z.enum(['alive', 'lost', 'stopped']);
export type WorkerLiveness = z.infer<typeof WorkerLivenessSchema>;

export const WorkerListSchema = z.object({
  workers: z.array(
    z.object({
      id: z.string(),
      host: z.string(),
      slots: z.number().int(),
      devices: z.unknown(),
      pid: z.number().int(),
      startedAt: IsoDate,
      lastHeartbeatAt: IsoDate,
      /** `lost`: no heartbeat for longer than the API's lost limit (SWEEPS_WORKER_LOST_MS). */
      liveness: WorkerLivenessSchema,
      /** Deprecated: the first name of `liveness`, with `silent` for `lost`; still sent, will be removed. */
      status: z.enum(['alive', 'silent', 'stopped']),
      running: z.array(
        z.object({ trialId: z.string(), sweepId: z.string(), startedAt: IsoDate.nullable() }),
      ),
    }),
  ),
});
export type WorkerList = z.infer<typeof WorkerListSchema>;

export const HealthSchema = z.object({
  ok: z.boolean(),
  postgres: z.object({ ok: z.boolean(), error: z.string().optional() }),
  redis: z.object({ ok: z.boolean(), error: z.string().optional() }),
});

export const SessionSchema = z.object({
  scope: z.enum(['read', 'write', 'admin']),
  /** When the browser's session cookie runs out; null for a request authenticated by a bearer key. */
  expiresAt: IsoDate.nullable(),
});

export const SignInBodySchema = z.strictObject({
  key: z.string().min(1).max(200).describe('An API key (swk_…)'),
});
export type Session = z.infer<typeof SessionSchema>;

/** What an event of `GET /sweeps/:id/events` carries (the event's `data`, as JSON). */
export const SweepEventSchema = z.object({
  id: z.string(),
  sweepId: z.string(),
  /** The trial that changed, when one did; null for a change of many trials at once. */
  trialId: z.string().nullable(),
  /**
   * The state the trials moved to, one of the trial states (`paused`: asha stopped them at a rung; a paused trial's
   * promotion is an event with state `queued`, as it is queued again to resume).
   */
  state: z.string().nullable(),
  /** How many trials changed. */
  n: z.number().int(),
  at: IsoDate,
});
export type SweepEvent = z.infer<typeof SweepEventSchema>;

export const TextSchema = z.string();
