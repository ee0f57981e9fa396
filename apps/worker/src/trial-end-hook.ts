/**
 * What the worker does after a job that ended its trial for good: the job processor is wrapped so that the trial's
 * follow-up (asha's rungs settled, the confirm stage asked; see `followUpFinishedTrial` in @sweeps/orchestrate) runs
 * once the trial's final state is recorded.
 */
import { type Job, UnrecoverableError } from '@sweeps/queue';
import type { TrialJobOutcome } from './process-trial-job.ts';

type TrialJobProcessor = (job: Job, token: string | undefined) => Promise<TrialJobOutcome>;

/**
 * The job processor `process`, calling `onTrialEnd` after each job that left its trial in a final state: a
 * returned outcome other than `skipped` or `paused`, or an UnrecoverableError (thrown once a final failure is
 * recorded). A job that did not finish its trial calls nothing: a claim postponed by an outage (DelayedError), a
 * trial handed back (WaitingError), a failure that will be retried (any other error), a trial paused at a rung, or
 * nothing to do (`skipped`).
 */
export function afterTrialEnds(
  process: TrialJobProcessor,
  onTrialEnd: (trialId: string, sweepId: string | undefined) => Promise<void>,
): TrialJobProcessor {
  const ended = async (job: Job) => {
    const { trialId, sweepId } = job.data as { trialId?: unknown; sweepId?: unknown };
    if (typeof trialId === 'string')
      await onTrialEnd(trialId, typeof sweepId === 'string' ? sweepId : undefined);
  };
  return async (job, token) => {
    let outcome: TrialJobOutcome;
    try {
      outcome = await process(job, token);
    } catch (err) {
      if (err instanceof UnrecoverableError) await ended(job);
      throw err;
    }
    if (outcome !== 'skipped' && outcome !== 'paused') await ended(job);
    return outcome;
  };
}
