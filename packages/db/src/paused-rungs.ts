/**
 * Where paused trials wait: asha (with a trainer that resumes from its snapshots) stops a trial at a rung whose
 * values do not decide it yet, and records it there with the outcome `paused`. The trial views read that record to
 * say "paused at epoch 3 (0.2100)".
 */
import type { Db } from './client.ts';
import { Prisma } from './generated/client.ts';

/** A rung record's `column` as SQL, NULL where it is NaN or infinite (JSON has no such numbers). */
export function finiteRungValue(column: string): Prisma.Sql {
  return Prisma.sql`CASE WHEN ${Prisma.raw(column)} IN ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8)
    THEN NULL ELSE ${Prisma.raw(column)} END`;
}

/** The rung a paused trial waits at and its value there (null when it is not a finite number). */
export interface PausedAt {
  epoch: number;
  value: number | null;
}

/**
 * Per trial of `trialIds` that has a `paused` rung record, the latest such rung. Callers pass the trials they know
 * to be paused (usually none, and then this asks PostgreSQL nothing); a trial without such a record is left out.
 */
export async function pausedRungsOf(db: Db, trialIds: string[]): Promise<Map<string, PausedAt>> {
  if (trialIds.length === 0) return new Map();
  const rows = await db.$queryRaw<Array<{ trial_id: string; epoch: number; value: number | null }>>`
    SELECT DISTINCT ON (trial_id) trial_id, epoch, ${finiteRungValue('value')} AS value
    FROM trial_rungs WHERE trial_id = ANY(${trialIds}::text[]) AND outcome = 'paused'
    ORDER BY trial_id, epoch DESC`;
  return new Map(rows.map((r) => [r.trial_id, { epoch: r.epoch, value: r.value }]));
}
