/** A trial's live output (the last lines its worker shipped to Redis), for the log routes and `sweeps logs -f`. */
import { DomainError } from '@sweeps/core';
import { readTrialLog } from '@sweeps/queue';
import type { ApiDeps } from './deps.ts';

export async function trialLogView(deps: ApiDeps, trialId: string, tail: number, sweepId?: string) {
  const trial = await deps.db.trial.findFirst({
    where: sweepId ? { id: trialId, sweepId } : { id: trialId },
    select: { id: true, sweepId: true, state: true, outputTail: true },
  });
  if (!trial)
    throw new DomainError(
      'TRIAL_NOT_FOUND',
      sweepId ? `No trial "${trialId}" in sweep "${sweepId}".` : `No trial "${trialId}".`,
    );
  const live = await readTrialLog(deps.redis, deps.names, trialId, tail);
  // Once the live view has expired, a failed trial still has its last lines in PostgreSQL.
  const lines =
    live.total === 0 && trial.outputTail ? trial.outputTail.split('\n').slice(-tail) : live.lines;
  return {
    trialId: trial.id,
    sweepId: trial.sweepId,
    state: trial.state,
    running: trial.state === 'running' || trial.state === 'queued',
    total: live.total === 0 ? lines.length : live.total,
    lines,
  };
}
