import type { ErrorIssue } from './errors.ts';
import type { SweepSpec } from './spec.ts';
import type { FailureReason } from './trial-state.ts';

/**
 * The one interface every trainer implements (`command`, `tfjs`, and in benchmarks `noop`).
 * The worker owns queues, processes and the database; a trainer only trains one trial and reports epochs.
 */

/** The checkpoint a trial fine-tunes from, as declared in the sweep file. */
export interface TrialCheckpoint {
  name: string;
  uri: string;
  /** `safetensors` | `pth` | ...; inferred from the URI's extension when absent. */
  format?: string;
  /** Key prefix to strip when loading (the study loads mmcls weights with `backbone.`). */
  prefix?: string;
}

/** Everything a trainer needs to know about one trial. */
export interface TrialRun {
  trialId: string;
  sweepId: string;
  checkpoint: TrialCheckpoint;
  /** Optimizer name from the search space, e.g. `SGD` or `AdamW`. */
  optimizer: string;
  /** The cell's hyperparameters for that optimizer, e.g. `{ lr: 0.02, weight_decay: 1e-4, momentum: 0.9 }`. */
  params: Record<string, number | string | boolean>;
  /** The sweep's fixed settings, e.g. `{ epochs: 12, norm_decay_mult: 0 }`. */
  fixed: Record<string, unknown>;
  seed: number;
  /** The trainer section of the sweep file (kind plus trainer-specific options). */
  trainer: { kind: string } & Record<string, unknown>;
  /** Name of the metric the sweep maximises or minimises, e.g. `bbox_mAP`. */
  metricName: string;
}

/** Numbers reported for one epoch, e.g. `{ bbox_mAP: 0.31, loss: 0.8, lr: 0.02 }`. */
export type EpochMetrics = Record<string, number>;

export interface TrainerContext {
  /** Records one epoch's metrics; resolves once they are stored. Epochs count from 1. */
  reportEpoch(epoch: number, metrics: EpochMetrics): Promise<void>;
  /**
   * The trial directory: a directory private to this trial for its snapshots (the trial's own resume files, never
   * called checkpoints, which are the backbone weights a trial starts from), logs and derived config, kept across
   * retries. It may not exist yet: a trainer that writes there creates it (`mkdir -p`), so trials that write
   * nothing cost no file system work.
   */
  trialDir: string;
  /**
   * The newest snapshot file an earlier run of the same trial wrote into `trialDir`, to resume from; absent on a
   * first run or when nothing was written.
   */
  resumeFrom?: string;
  /** Aborted when the trial is cancelled, times out, or the worker shuts down. */
  signal: AbortSignal;
  /** Environment for any child process the trainer starts (e.g. `CUDA_VISIBLE_DEVICES` pinned to the slot's GPU). */
  env: Record<string, string>;
  /** One line of human-readable output; the worker keeps the last lines for failed trials. */
  log(line: string): void;
  /**
   * The unprivileged user every process of the trial runs as (a worker running as root sets it, so trials cannot
   * read its secrets); absent: the worker's own user. A directory a trainer creates for the trial's processes to
   * write in must be handed to this user (`trialDir` already is).
   */
  runAs?: TrialUser;
}

/** A user trial processes run as. */
export interface TrialUser {
  uid: number;
  gid: number;
}

/** What a finished trial returns. `metrics` holds the final values (the sweep's metric among them). */
export interface TrainerResult {
  metrics: EpochMetrics;
  /** The compute backend that ran the trial, e.g. `wasm`, `webgpu`, `tensorflow`, `external`. */
  backend?: string;
  /** The adapter or device, e.g. `NVIDIA H100 (Vulkan)` or `cpu`. */
  device?: string;
}

/**
 * A trainer kind's check of its own options, run when a sweep is previewed, submitted or extended (by
 * `planSweep`), so that a typo fails at submission with its path instead of failing every trial on a worker.
 * Paths are from the sweep file's root (e.g. `trainer.options.depht`, `fixed.foo`); every problem at once.
 */
export interface TrainerSpecCheck {
  /** The `trainer.kind` it checks. */
  kind: string;
  check(trainer: Record<string, unknown>, spec: SweepSpec): ErrorIssue[];
  /**
   * Whether trials of this trainer section, stopped after an epoch, continue from the snapshot they left in
   * `ctx.trialDir` when started again with `ctx.resumeFrom`, without repeating the epochs they finished. asha
   * then pauses them at a rung whose values do not decide them yet (and resumes them if promoted) instead of
   * deciding at once; absent or false: decided at once (stop-or-go). The worker asks the trainer's own `specCheck`
   * and `preview` asks the same check, so they agree.
   */
  resumes?(trainer: Record<string, unknown>): boolean;
  /**
   * The files a worker node must have to run this sweep (absolute paths, each with the sweep file's field that
   * names it), so preview and submit can ask the live workers whether they see them. Absent: none.
   */
  workerPaths?(trainer: Record<string, unknown>, spec: SweepSpec): WorkerPath[];
}

/** A file a worker node needs, and the field of the sweep file that names it (`trainer.config`). */
export interface WorkerPath {
  field: string;
  path: string;
}

export interface Trainer {
  /** The `trainer.kind` this trainer serves. */
  kind: string;
  run(trial: TrialRun, ctx: TrainerContext): Promise<TrainerResult>;
  /** The submission-time check of this kind's options (the same object the API uses). */
  readonly specCheck?: TrainerSpecCheck;
  /**
   * What an earlier run of this trial left to resume from in `trialDir`, as this trainer lays it out (MMDetection
   * keeps `work_dir/last_checkpoint`, sub-folders only): the file to pass as `ctx.resumeFrom`, or null when there is
   * none. The worker also decides from it whether the attempt continues an earlier one's curve. Absent: the newest
   * plain file directly in `trialDir`.
   */
  findSnapshot?(trial: TrialRun, trialDir: string): Promise<string | null>;
}

/**
 * A failure that would repeat on retry (bad config, missing data, diverged loss): the worker records it, with its
 * reason, and does not retry. Any other thrown error counts as transient and is retried with backoff.
 */
export class PermanentTrialError extends Error {
  constructor(
    message: string,
    readonly reason: Exclude<FailureReason, 'timeout' | 'lost'> = 'failed',
  ) {
    super(message);
    this.name = 'PermanentTrialError';
  }
}
