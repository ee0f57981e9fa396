/** A trial's live output (the last lines its worker shipped to Redis), for the log routes and `sweeps logs -f`. */
import { DomainError } from '@sweeps/core';
import { readTrialOutput } from '@sweeps/orchestrate';
import type { ApiDeps } from './deps.ts';

export async function trialLogView(deps: ApiDeps, trialId: string, tail: number, sweepId?: string) {
  const view = await readTrialOutput(deps, trialId, tail, sweepId);
  if (!view)
    throw new DomainError(
      'TRIAL_NOT_FOUND',
      sweepId ? `No trial "${trialId}" in sweep "${sweepId}".` : `No trial "${trialId}".`,
    );
  return view;
}
