/** What follows a trial's end for good (succeeded, failed for good, cancelled, pruned) in both stores. */
import type { TrialFollowUps } from '@sweeps/core';
import { startDueConfirmTrials } from './confirm-stage.ts';
import { resumeSettledRungs } from './promoted-trials.ts';
import type { Stores } from './stores.ts';

/**
 * Settles the rungs of the trial's sweep (promoted trials enqueued), then adds and enqueues the confirm trials its
 * checkpoint is due: in this order, as trials a rung prunes can finish a checkpoint. Never throws. `known`: the
 * trial's sweep and what its end sets off, as a claim of the sweep gave them (core's `trialFollowUpsOf`); a step
 * that cannot apply to the sweep (no trials paused at rungs, no confirm stage) is then skipped without a read.
 */
export async function followUpFinishedTrial(
  stores: Pick<Stores, 'db' | 'queue'>,
  trialId: string,
  log: (line: string) => void,
  known?: { sweepId: string; followUps: TrialFollowUps },
): Promise<void> {
  if (known?.followUps.settleRungs !== false)
    await resumeSettledRungs(stores, trialId, log, known?.sweepId);
  if (known?.followUps.confirm !== false) await startDueConfirmTrials(stores, trialId, log);
}
