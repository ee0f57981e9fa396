/**
 * The life of a trial and of a sweep: the one place that says which trial states exist, which moves between them
 * are legal, and what a sweep's phase is. PostgreSQL holds the state; the stores in `@sweeps/db` take the source
 * and target states of every write from {@link TRIAL_MOVES}, and the API and CLI list states from here.
 */
import { DomainError } from './errors.ts';

/**
 * `pruned` (strategy asha): stopped at a rung because its value was below its checkpoint's top fraction; final,
 * a success for the queue (never retried), counted apart from `failed`, and never ranked in the best table.
 * `paused` (asha with a trainer that resumes from its snapshots): stopped at a rung whose values do not yet tell
 * whether it goes on; not finished: it is either promoted (queued again, resuming where it stopped) or pruned once
 * enough of its checkpoint's trials have reported there.
 */
export const TRIAL_STATES = [
  'queued',
  'running',
  'paused',
  'succeeded',
  'failed',
  'cancelled',
  'pruned',
] as const;
export type TrialState = (typeof TRIAL_STATES)[number];

/** One write of a trial's state: the states it may start from and the state it leaves. */
export interface TrialMove {
  from: readonly TrialState[];
  to: TrialState;
}

/**
 * Every state change the system makes, by name. A store's SQL condition is `state = ANY(from)` of its move, so a
 * move that is not listed here cannot be written.
 */
export const TRIAL_MOVES = {
  /**
   * A worker takes a trial. From `running` too: when a worker dies, BullMQ hands its stalled job to another worker
   * while PostgreSQL still says running, and that worker claims it again (a new attempt).
   */
  claim: { from: ['queued', 'running'], to: 'running' },
  /** A claim that finds every attempt used (each worker running it was lost): the trial fails instead of running. */
  exhaust: { from: ['queued', 'running'], to: 'failed' },
  /**
   * The holding worker records the result. From `paused` too: a trainer may finish its last epochs in the moment
   * between its pause at a rung and its process stopping (the same lease also stores those epochs meanwhile).
   */
  complete: { from: ['running', 'paused'], to: 'succeeded' },
  /** The holding worker records a failure that would repeat, or the last attempt's failure. */
  fail: { from: ['running'], to: 'failed' },
  /** The holding worker records a transient failure before the last attempt: the trial waits for a retry. */
  requeue: { from: ['running'], to: 'queued' },
  /** A worker shutting down hands its trial back (the attempt does not count). */
  handBack: { from: ['running'], to: 'queued' },
  /**
   * Reconcile finds a trial running on a worker whose heartbeat stopped, with Redis empty; or a worker restarting
   * under the same id finds what its earlier life left running.
   */
  recoverLost: { from: ['running'], to: 'queued' },
  /** The user cancels the sweep. */
  cancel: { from: ['queued', 'running', 'paused'], to: 'cancelled' },
  /** The user asks to retry the sweep's failed trials (pruned ones stay pruned). */
  retryFailed: { from: ['failed'], to: 'queued' },
  /**
   * asha: the holding worker's trial ranked below its checkpoint's top fraction at a rung, or a paused trial is
   * outside the top fraction once its rung has filled.
   */
  prune: { from: ['running', 'paused'], to: 'pruned' },
  /**
   * asha with pausing: the holding worker's trial reached a rung whose values do not decide it yet; the trial stops
   * (its snapshot kept) and the attempt does not count.
   */
  pause: { from: ['running'], to: 'paused' },
  /** asha with pausing: a paused trial entered its rung's top fraction; it is queued to resume from its snapshot. */
  promote: { from: ['paused'], to: 'queued' },
} as const satisfies Record<string, TrialMove>;
export type TrialMoveName = keyof typeof TRIAL_MOVES;

/**
 * What became of a trial at an asha rung (kept per rung with its value): `promoted` (went on), `paused` (stopped
 * there, waiting for the rung to decide it) or `pruned`.
 */
export const RUNG_OUTCOMES = ['promoted', 'paused', 'pruned'] as const;
export type RungOutcome = (typeof RUNG_OUTCOMES)[number];

/** Whether any move takes a trial from `from` to `to`. */
export function canMove(from: TrialState, to: TrialState): boolean {
  return Object.values(TRIAL_MOVES).some((m: TrialMove) => m.to === to && m.from.includes(from));
}

/** Throws INVALID_TRANSITION when the move is not allowed. */
export function assertMove(from: TrialState, to: TrialState): void {
  if (!canMove(from, to)) {
    throw new DomainError('INVALID_TRANSITION', `A ${from} trial cannot become ${to}.`);
  }
}

/** Per state: whether a trial in it is finished (no move takes it to running any more without a user asking). */
const FINISHED: Record<TrialState, boolean> = {
  queued: false,
  running: false,
  paused: false,
  succeeded: true,
  failed: true,
  cancelled: true,
  pruned: true,
};

/** States that count as finished for progress. */
export const FINISHED_STATES: readonly TrialState[] = TRIAL_STATES.filter((s) => FINISHED[s]);

export function isFinished(state: TrialState): boolean {
  return FINISHED[state];
}

/** States a trial can be in when the user cancels its sweep (the rest are final). */
export const CANCELLABLE_STATES: readonly TrialState[] = TRIAL_MOVES.cancel.from;

/**
 * Why a trial failed, in one word stored with it (the trial's `reason`, beside its error text), so that reads can
 * count and filter failures without matching text:
 * - `diverged`: the loss or the final metric was NaN or infinite, or the final metric was missing;
 * - `oom`: the trainer ran out of (GPU) memory;
 * - `invalid`: the trial cannot work as specified (bad options or data, refused by the worker's policy, metrics
 *   that break the rules);
 * - `timeout`: it ran past `trainer.timeout_s`;
 * - `lost`: the worker running it was lost in every one of its `max_attempts`;
 * - `failed`: anything else (a crash, a non-zero exit).
 */
export const FAILURE_REASONS = ['diverged', 'oom', 'invalid', 'timeout', 'lost', 'failed'] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

/** A stored reason as core's word; text that is not one (never written by this code) reads as `failed`. */
export function failureReasonOf(stored: string | null): FailureReason | null {
  if (stored === null) return null;
  return (FAILURE_REASONS as readonly string[]).includes(stored)
    ? (stored as FailureReason)
    : 'failed';
}

/** Trials of a sweep by state, and their total. */
export type TrialCounts = Record<TrialState, number> & { total: number };

export function emptyTrialCounts(): TrialCounts {
  return {
    ...(Object.fromEntries(TRIAL_STATES.map((s) => [s, 0])) as Record<TrialState, number>),
    total: 0,
  };
}

/** What the user asked of a sweep (stored): keep running it, or stop it. */
export const SWEEP_STATUSES = ['active', 'cancelled'] as const;
export type SweepStatus = (typeof SWEEP_STATUSES)[number];

/**
 * Where a sweep stands, derived from its status and its trials (never stored): `queued` (nothing started),
 * `running`, `finished` (every trial is in a finished state and no confirm trial is still to be added) or
 * `cancelled`.
 */
export const SWEEP_PHASES = ['queued', 'running', 'finished', 'cancelled'] as const;
export type SweepPhase = (typeof SWEEP_PHASES)[number];

/**
 * The phase of a sweep with this status and these trial counts. `confirmTrialsMissing`: confirm trials its
 * finished checkpoints are due but do not have yet (confirm.ts's `missingConfirmTrials`, default 0); while there
 * are any, a sweep whose trials have all finished is still `running` (its confirm stage is about to add trials).
 */
export function sweepPhase(
  status: SweepStatus,
  counts: Partial<TrialCounts>,
  confirmTrialsMissing = 0,
): SweepPhase {
  if (status === 'cancelled') return 'cancelled';
  const done = FINISHED_STATES.reduce((n, s) => n + (counts[s] ?? 0), 0);
  if ((counts.total ?? 0) > 0 && done === counts.total)
    return confirmTrialsMissing > 0 ? 'running' : 'finished';
  return (counts.running ?? 0) > 0 || (counts.paused ?? 0) > 0 || done > 0 ? 'running' : 'queued';
}

/** Whether a sweep in this phase may still change (a watcher keeps watching). */
export function isPhaseSettled(phase: SweepPhase): boolean {
  return phase === 'finished' || phase === 'cancelled';
}
