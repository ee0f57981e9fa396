import { describe, expect, it } from 'vitest';
import { DelayedError, type Job, UnrecoverableError, WaitingError } from '@sweeps/queue';
import { afterTrialEnds } from './trial-end-hook.ts';
import type { TrialJobOutcome } from './process-trial-job.ts';

const job = { data: { trialId: 'trial-1', sweepId: 'sweep-1' } } as unknown as Job;

/** The trial ids followed up after one job that ended with `end`. */
async function askedAfter(end: TrialJobOutcome | Error): Promise<string[]> {
  const asked: string[] = [];
  const processor = afterTrialEnds(
    async () => {
      if (end instanceof Error) throw end;
      return end;
    },
    async (trialId, sweepId) => {
      asked.push(trialId);
      expect(sweepId).toBe('sweep-1'); // the job's sweep: the follow-up need not read it
    },
  );
  await processor(job, 'token').catch((err: unknown) => {
    if (err !== end) throw err; // the processor's error reaches BullMQ unchanged
  });
  return asked;
}

describe('the follow-up after a trial job', () => {
  it('runs when the job left its trial finished', async () => {
    for (const outcome of ['succeeded', 'failed', 'cancelled', 'pruned'] as const)
      expect(await askedAfter(outcome), outcome).toEqual(['trial-1']);
    // a failure recorded as final (no attempts left, or one that would repeat)
    expect(await askedAfter(new UnrecoverableError('diverged'))).toEqual(['trial-1']);
  });

  it('does not run when the job did not finish its trial', async () => {
    expect(await askedAfter(new DelayedError('claim postponed'))).toEqual([]);
    expect(await askedAfter(new WaitingError())).toEqual([]);
    expect(await askedAfter(new Error('exit 1, will be retried'))).toEqual([]);
    expect(await askedAfter('skipped')).toEqual([]);
    expect(await askedAfter('paused')).toEqual([]); // waits at its rung: not finished
  });
});
