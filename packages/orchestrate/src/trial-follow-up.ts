/** What follows a trial's end for good (succeeded, failed for good, cancelled, pruned) in both stores. */
import { startDueConfirmTrials } from './confirm-stage.ts';
import { resumeSettledRungs } from './promoted-trials.ts';
import type { Stores } from './stores.ts';

/**
 * Settles the rungs of the trial's sweep (promoted trials enqueued), then adds and enqueues the confirm trials its
 * checkpoint is due: in this order, as trials a rung prunes can finish a checkpoint. Never throws.
 */
export async function followUpFinishedTrial(
  stores: Pick<Stores, 'db' | 'queue'>,
  trialId: string,
  log: (line: string) => void,
): Promise<void> {
  await resumeSettledRungs(stores, trialId, log);
  await startDueConfirmTrials(stores, trialId, log);
}
