/**
 * asha's paused trials across the two stores. PostgreSQL decides at each rung, atomically per checkpoint, which
 * paused trials are promoted; their jobs then go to the head of the queue (they resume from their snapshots before
 * new trials start, as the published algorithm promotes before it starts new configurations). Failing to enqueue
 * loses nothing: the decisions are in PostgreSQL, and the reconcile loop settles and enqueues whatever is left.
 */
import {
  type RecordedRung,
  type RequeuedTrial,
  recordRungValue,
  settlePausedTrials,
  sweepIdOfTrial,
} from '@sweeps/db';
import { enqueueTrials, type Queue, type TrialJob } from '@sweeps/queue';
import { orLeftToReconcile } from './left-to-reconcile.ts';
import type { Stores } from './stores.ts';

/** A trial's metric at a rung, reported by the worker that holds it; `pause`: its trainer resumes from snapshots. */
export type RungValue = Parameters<typeof recordRungValue>[1];

/** Enqueues promoted trials at the head of the queue; a failure is logged and left to reconcile. */
export async function requeuePromoted(
  queue: Queue<TrialJob>,
  trials: RequeuedTrial[],
  log: (line: string) => void,
): Promise<void> {
  if (trials.length === 0) return;
  await orLeftToReconcile('asha: promoted trials', log, async () => {
    await enqueueTrials(queue, trials, { front: true });
    log(`asha: ${trials.map((t) => t.trialId).join(', ')} promoted at a rung, resuming`);
  });
}

/**
 * Records a trial's value at a rung and takes PostgreSQL's decision (go on, pause, prune; null when the trial is no
 * longer held by `rung.workerId`), then enqueues the paused trials of its checkpoint that the decision promoted.
 */
export async function decideRung(
  stores: Pick<Stores, 'db' | 'queue'>,
  rung: RungValue,
  log: (line: string) => void,
): Promise<RecordedRung | null> {
  const decision = await recordRungValue(stores.db, rung);
  if (decision) await requeuePromoted(stores.queue, decision.requeued, log);
  return decision;
}

/**
 * After `trialId` ended for good, its sweep's paused trials are settled again (a trial that failed before a rung can
 * complete that rung, which promotes or prunes the trials waiting there) and the promoted ones enqueued. Failures
 * are logged and left to reconcile. `knownSweepId`: the trial's sweep, when the caller has it (no read then).
 */
export async function resumeSettledRungs(
  stores: Pick<Stores, 'db' | 'queue'>,
  trialId: string,
  log: (line: string) => void,
  knownSweepId?: string,
): Promise<void> {
  await orLeftToReconcile(`asha: paused trials after trial ${trialId}`, log, async () => {
    const sweepId = knownSweepId ?? (await sweepIdOfTrial(stores.db, trialId));
    if (sweepId === null) return;
    await requeuePromoted(stores.queue, await settlePausedTrials(stores.db, sweepId), log);
  });
}
