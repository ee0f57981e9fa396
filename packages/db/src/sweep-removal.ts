/**
 * Cancelling and deleting a sweep in bounded batches: each statement touches at most {@link SWEEP_BATCH} trials and
 * is its own short transaction, so a 10,000-trial sweep is ten statements, never one transaction long enough to
 * time out or to hold thousands of row locks against the workers.
 */
import { DomainError } from '@sweeps/core';
import type { Db } from './client.ts';
import { inSourceStates, targetState } from './trial-moves.ts';

/** Trials one cancel or delete statement touches. */
export const SWEEP_BATCH = 1_000;

/** The trials a cancel stopped, by the state they were in: queued, running or paused (asha, at a rung). */
export interface CancelledTrials {
  queued: string[];
  running: string[];
  paused: string[];
}

export interface BatchOptions {
  /** Trials per statement (default {@link SWEEP_BATCH}). */
  batch?: number;
  /** Called with each batch once it is committed (the API removes the batch's jobs from Redis meanwhile). */
  onBatch?: (trials: CancelledTrials) => void;
}

/** Cancels up to `batch` unfinished trials of the sweep in one statement; returns them by former state. */
async function cancelTrialBatch(db: Db, sweepId: string, batch: number): Promise<CancelledTrials> {
  const rows = await db.$queryRaw<Array<{ id: string; was: string }>>`
    UPDATE trials t SET state = ${targetState('cancel')}, finished_at = now(), error = 'cancelled by the user', reason = NULL
    FROM (SELECT id, state::text AS was FROM trials WHERE sweep_id = ${sweepId} AND ${inSourceStates('cancel')}
          LIMIT ${batch} FOR UPDATE) old
    WHERE t.id = old.id RETURNING t.id, old.was`;
  // a trial that was running has a process to stop; a queued one only a job to remove
  const was = (state: string) => rows.filter((r) => r.was === state).map((r) => r.id);
  return { queued: was('queued'), running: was('running'), paused: was('paused') };
}

/** Cancels the sweep's unfinished trials batch by batch until none is left. */
async function cancelTrialsOf(
  db: Db,
  sweepId: string,
  opts: BatchOptions,
): Promise<CancelledTrials> {
  const batch = opts.batch ?? SWEEP_BATCH;
  const all: CancelledTrials = { queued: [], running: [], paused: [] };
  for (;;) {
    const done = await cancelTrialBatch(db, sweepId, batch);
    const n = done.queued.length + done.running.length + done.paused.length;
    if (n > 0) opts.onBatch?.(done);
    all.queued.push(...done.queued);
    all.running.push(...done.running);
    all.paused.push(...done.paused);
    if (n < batch) return all;
  }
}

/**
 * Marks the sweep cancelled, then its unfinished trials, in batches; returns the trials that were queued, running
 * or paused. The status comes first: from then on no worker claims a trial of the sweep (a claim needs an active
 * sweep), so the batches race with nothing but finishing trials. Should the process stop between batches,
 * cancelling again finishes the work, and so does the reconcile loop ({@link finishCancelledSweeps}).
 */
export async function cancelSweep(
  db: Db,
  sweepId: string,
  opts: BatchOptions = {},
): Promise<CancelledTrials> {
  const marked = await db.sweep.updateMany({
    where: { id: sweepId },
    data: { status: 'cancelled' },
  });
  if (marked.count === 0)
    throw new DomainError('SWEEP_NOT_FOUND', `No sweep with id "${sweepId}".`);
  return cancelTrialsOf(db, sweepId, opts);
}

/**
 * Cancels what a cancel left unfinished (its process stopped between batches): unfinished trials of cancelled
 * sweeps. Returns how many trials it cancelled. Part of the reconcile loop.
 */
export async function finishCancelledSweeps(db: Db, opts: BatchOptions = {}): Promise<number> {
  const sweeps = await db.$queryRaw<Array<{ id: string }>>`
    SELECT s.id FROM sweeps s WHERE s.status = 'cancelled'
      AND EXISTS (SELECT 1 FROM trials t WHERE t.sweep_id = s.id AND ${inSourceStates('cancel', 't.state')})`;
  let n = 0;
  for (const { id } of sweeps) {
    const done = await cancelTrialsOf(db, id, opts);
    n += done.queued.length + done.running.length + done.paused.length;
  }
  return n;
}

/**
 * Deletes a sweep with its checkpoints, trials, metrics and statistics: its trials `batch` at a time (each
 * statement deletes their metrics, progress and rungs by cascade), then the sweep itself. False when there was no
 * such sweep. Should the process stop midway, the sweep is still there with fewer trials; deleting again finishes.
 */
export async function deleteSweep(
  db: Db,
  sweepId: string,
  opts: BatchOptions = {},
): Promise<boolean> {
  const batch = opts.batch ?? SWEEP_BATCH;
  for (;;) {
    const n = await db.$executeRaw`
      DELETE FROM trials WHERE id IN (SELECT id FROM trials WHERE sweep_id = ${sweepId} LIMIT ${batch})`;
    if (n < batch) break;
  }
  const removed = await db.sweep.deleteMany({ where: { id: sweepId } });
  return removed.count === 1;
}
