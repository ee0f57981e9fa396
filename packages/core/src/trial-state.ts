/** The life of a trial. PostgreSQL holds the state; these rules say which moves are legal. */
import { DomainError } from './errors.ts';

export const TRIAL_STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type TrialState = (typeof TRIAL_STATES)[number];

const MOVES: Record<TrialState, readonly TrialState[]> = {
  // queued: waiting in Redis (or about to be re-enqueued by reconcile)
  queued: ['running', 'cancelled'],
  // running -> queued: a transient failure before the last attempt, or a worker handing it back on shutdown
  running: ['succeeded', 'failed', 'cancelled', 'queued'],
  // failed -> queued: "retry failed trials"
  failed: ['queued'],
  succeeded: [],
  cancelled: [],
};

export function canMove(from: TrialState, to: TrialState): boolean {
  return MOVES[from].includes(to);
}

/** Throws INVALID_TRANSITION when the move is not allowed. */
export function assertMove(from: TrialState, to: TrialState): void {
  if (!canMove(from, to)) {
    throw new DomainError('INVALID_TRANSITION', `A ${from} trial cannot become ${to}.`);
  }
}

/** States a trial can be in when the user cancels its sweep (the rest are final). */
export const CANCELLABLE_STATES: readonly TrialState[] = ['queued', 'running'];

/** States that count as finished for progress. */
export const FINISHED_STATES: readonly TrialState[] = ['succeeded', 'failed', 'cancelled'];

export function isFinished(state: TrialState): boolean {
  return FINISHED_STATES.includes(state);
}
