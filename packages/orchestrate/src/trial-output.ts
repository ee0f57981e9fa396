/**
 * A trial's output for the log view (`GET .../trials/:trialId/log`, `sweeps logs -f`): the live lines its worker
 * ships to Redis, or, once that view has expired, the last lines PostgreSQL kept of a failed attempt.
 */
import { findTrialOutput } from '@sweeps/db';
import { readTrialLog } from '@sweeps/queue';
import type { Stores } from './stores.ts';

/** The last `tail` lines of the trial's output; null when there is no such trial (in `sweepId`, when given). */
export async function readTrialOutput(
  stores: Pick<Stores, 'db' | 'redis' | 'names'>,
  trialId: string,
  tail: number,
  sweepId?: string,
) {
  const trial = await findTrialOutput(stores.db, trialId, sweepId);
  if (!trial) return null;
  const live = await readTrialLog(stores.redis, stores.names, trialId, tail);
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
