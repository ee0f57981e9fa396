/**
 * PostgreSQL is the truth: every queued trial of an active sweep must have a job in Redis. Re-adding is harmless
 * (job id = trial id), so reconcile simply enqueues them all; trials of dead workers are put back first, asha's
 * paused trials whose rungs can now be decided are promoted (queued) or pruned first, and the confirm trials a
 * checkpoint is due (its worker died before adding them) are added first. A cancel that stopped midway is finished.
 */
import {
  addDueConfirmTrials,
  finishCancelledSweeps,
  settlePausedTrials,
  trialsToReconcile,
  type Db,
} from '@sweeps/db';
import { enqueueTrials, type Queue, type TrialJob } from '@sweeps/queue';

export async function reconcileQueue(
  db: Db,
  queue: Queue<TrialJob>,
  lostAfterMs = 30_000,
): Promise<number> {
  // asha: rungs a lost worker left undecided (the promoted are enqueued below); first, since the trials it prunes
  // can finish a checkpoint and make its confirm trials due
  // a cancel stopped between its batches (its API process died): its sweep's unfinished trials are cancelled now
  await finishCancelledSweeps(db);
  await settlePausedTrials(db);
  await addDueConfirmTrials(db);
  const rows = await trialsToReconcile(db, lostAfterMs);
  await enqueueTrials(
    queue,
    rows.map((r) => ({ trialId: r.id, sweepId: r.sweep_id })),
  );
  return rows.length;
}

/** Runs reconcile now and then every `everyMs`; returns a stop function. Errors are reported, never thrown. */
export function startReconcileLoop(
  db: Db,
  queue: Queue<TrialJob>,
  everyMs: number,
  lostAfterMs: number,
  onError: (err: unknown) => void,
): () => void {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      await reconcileQueue(db, queue, lostAfterMs);
    } catch (err) {
      onError(err);
    } finally {
      running = false;
    }
  };
  void tick();
  const timer = setInterval(() => void tick(), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
