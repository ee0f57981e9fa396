/** Small reads of one trial's (or a few trials') fields, for the workers' housekeeping and the log view. */
import { isFinished, type TrialState } from '@sweeps/core';
import type { Db } from './client.ts';

/** The sweep a trial belongs to, or null when there is no such trial. */
export async function sweepIdOfTrial(db: Db, trialId: string): Promise<string | null> {
  const row = await db.trial.findUnique({ where: { id: trialId }, select: { sweepId: true } });
  return row?.sweepId ?? null;
}

/**
 * For each of `trialIds` that PostgreSQL knows: when the trial finished, or null while it is not finished (queued,
 * running, paused). Ids it does not know (their sweep was deleted) are absent.
 */
export async function finishTimesOf(db: Db, trialIds: string[]): Promise<Map<string, Date | null>> {
  const rows = await db.trial.findMany({
    where: { id: { in: trialIds } },
    select: { id: true, state: true, finishedAt: true },
  });
  return new Map(rows.map((r) => [r.id, isFinished(r.state as TrialState) ? r.finishedAt : null]));
}

/** What the log view needs of a trial: its sweep, state and stored output tail (a failed attempt's last lines). */
export interface TrialOutput {
  id: string;
  sweepId: string;
  state: TrialState;
  outputTail: string | null;
}

/** A trial's {@link TrialOutput}; null when there is no such trial (in `sweepId`, when given). */
export async function findTrialOutput(
  db: Db,
  trialId: string,
  sweepId?: string,
): Promise<TrialOutput | null> {
  const row = await db.trial.findFirst({
    where: sweepId ? { id: trialId, sweepId } : { id: trialId },
    select: { id: true, sweepId: true, state: true, outputTail: true },
  });
  return row ? { ...row, state: row.state as TrialState } : null;
}
