import type { z } from 'zod';
import type { ErrorIssue } from './errors.ts';
import type { SnapshotFiles } from './snapshot-store.ts';
import type { SweepSpec } from './spec.ts';
import type { FailureReason } from './trial-state.ts';
import type { WorkerPolicy } from './worker-policy.ts';

/**
 * The one interface every trainer implements (`command`, `tfjs`, `mmdet`, and in benchmarks `noop`), and the
 * descriptor each trainer kind is listed by in the trainer catalogue.
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
  trainer: TrainerSection;
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

/** A sweep file's `trainer` section: its kind and that kind's own fields (checked by the kind's descriptor). */
export type TrainerSection = { kind: string } & Record<string, unknown>;

/** A `{placeholder}` template in a trainer section, with its path from the sweep file's root. */
export interface TrainerTemplate {
  path: string;
  template: string;
}

/**
 * What a worker allows a trial's command to do (its policy); a trainer that starts a process asks before it starts
 * it. `argv` is the command as the policy should judge it (its first entry is `executable`, so templates such as
 * `python3 tools/train.py` can be checked), `cwd` is absolute, `env` holds the sweep's variables.
 */
export interface CommandGate {
  check(run: {
    executable: string;
    argv: readonly string[];
    cwd: string;
    env: Record<string, string>;
  }): string | null;
}

/** What a worker hands a trainer kind when it creates the kind's trainer. */
export interface TrainerHost {
  /** The worker's directory: relative paths of a sweep file resolve against it. */
  workDir: string;
  /** The worker's policy; absent: everything is allowed (tests, direct use). */
  gate?: CommandGate;
  /** Directories a trial may read data and checkpoints from (the worker's); absent: anywhere. */
  readRoots?: readonly string[];
}

/**
 * One trainer kind, as its package describes it (its `/spec` entry, which loads no trainer runtime): the sweep
 * file's section, its checks at submission, whether its trials resume, and how a worker runs it. The trainer
 * catalogue (`@sweeps/trainers`) lists every kind once; core plans against the list it is given and imports no
 * trainer. Paths of issues are from the sweep file's root (`trainer.options.depht`, `fixed.foo`).
 */
export interface TrainerDescriptor {
  /** The `trainer.kind` it describes. */
  kind: string;
  /**
   * The section's schema: an object whose `kind` is this kind's literal. The sweep file's `trainer` is parsed with
   * it (defaults filled in, unknown fields refused unless the kind leaves that to {@link check}).
   */
  schema: z.ZodType<TrainerSection>;
  /** Deeper checks of the section and of the sweep around it, so a typo fails at submission, not on a worker. */
  check?(trainer: TrainerSection, spec: SweepSpec): ErrorIssue[];
  /**
   * The section's `{placeholder}` templates: `planSweep` refuses a placeholder that some trial has no value for.
   * Absent: none.
   */
  templates?(trainer: TrainerSection): TrainerTemplate[];
  /**
   * Whether trials of this section, stopped after an epoch, continue from the snapshot they left in
   * `ctx.trialDir` when started again with `ctx.resumeFrom`, without repeating the epochs they finished. asha
   * then pauses them at a rung whose values do not decide them yet (and resumes them if promoted) instead of
   * deciding at once; absent or false: decided at once (stop-or-go). The worker and `preview` both ask this.
   */
  resumes?(trainer: TrainerSection): boolean;
  /**
   * The files a worker node must have to run this sweep (absolute paths, each with the sweep file's field that
   * names it), so preview and submit can ask the live workers whether they see them. Absent: none.
   */
  workerPaths?(trainer: TrainerSection, spec: SweepSpec): WorkerPath[];
  /**
   * Why a worker with `policy` would refuse to run the section, or null; parts that depend on the trial (a
   * placeholder) are left to the worker. Preview asks it of each live worker's published policy. Absent: never.
   */
  refusal?(policy: WorkerPolicy, trainer: TrainerSection): string | null;
  /**
   * How a worker runs the kind: loads its runtime (TensorFlow.js, process runners) when a trial of the kind first
   * runs, and returns what creates its trainer. Nothing else imports a trainer's runtime.
   */
  load(): Promise<(host: TrainerHost) => Trainer>;
}

/** What planning a sweep reads of a trainer kind: everything but how a worker runs it. */
export type TrainerSectionRules = Omit<TrainerDescriptor, 'load'>;

/** A file a worker node needs, and the field of the sweep file that names it (`trainer.config`). */
export interface WorkerPath {
  field: string;
  path: string;
}

export interface Trainer {
  /** The `trainer.kind` this trainer serves. */
  kind: string;
  run(trial: TrialRun, ctx: TrainerContext): Promise<TrainerResult>;
  /**
   * What an earlier run of this trial left to resume from in `trialDir`, as this trainer lays it out (MMDetection
   * keeps `work_dir/last_checkpoint`, sub-folders only): the file to pass as `ctx.resumeFrom`, or null when there is
   * none. The worker also decides from it whether the attempt continues an earlier one's curve. Absent: the newest
   * plain file directly in `trialDir`.
   */
  findSnapshot?(trial: TrialRun, trialDir: string): Promise<string | null>;
  /**
   * The newest complete snapshot in `trialDir` as the files another host needs to resume from it (paths relative
   * to `trialDir`), with the epoch it holds; null when there is none. The worker uploads it to the snapshot store
   * (`SWEEPS_SNAPSHOT_STORE`). Absent: the file {@link findSnapshot} (or the default) names, at the epoch last
   * reported.
   */
  snapshotFiles?(trial: TrialRun, trialDir: string): Promise<SnapshotFiles | null>;
  /**
   * Called after a snapshot's files were fetched into `trialDir` from the snapshot store: makes them this host's
   * resume point (MMDetection's `last_checkpoint` names an absolute path, which differs per host). Absent: nothing
   * to do. Returns the files it wrote (relative to `trialDir`), which the worker hands to the trial's user.
   */
  adoptSnapshot?(trial: TrialRun, trialDir: string, snapshot: SnapshotFiles): Promise<string[]>;
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
