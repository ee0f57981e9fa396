/**
 * Reads behind the API's per-cell tally of a running sweep (issue 27): each trial's grid cell and state, read once,
 * then kept up to date from the sweep's events; and the notes of the few grid cells with failed, pruned or paused
 * trials, which the events do not carry. Together they give what `gridCellCounts` computes, without reading every
 * queued and running trial at each read.
 */
import type { GridCellCounts, TrialState } from '@sweeps/core';
import type { Db } from './client.ts';
import { Prisma } from './generated/client.ts';
import { finiteRungValue } from './paused-rungs.ts';

/** One trial's grid cell and state. `counted: false`: a success the grid does not count (non-finite metric). */
export interface TrialCellState {
  id: string;
  checkpoint: string;
  optimizer: string;
  lr: number;
  weightDecay: number;
  state: TrialState;
  counted: boolean;
}

/** A non-finite float8 as SQL's test (the grid counts no success whose final metric is NaN or infinite). */
const NOT_FINITE = Prisma.raw(`IN ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8)`);

/** Every trial of the sweep with its grid cell and state, as one JSON value (one row per trial, no more). */
export async function trialCellStates(db: Db, sweepId: string): Promise<TrialCellState[]> {
  const [out] = await db.$queryRaw<Array<{ rows: TrialCellState[] | null }>>`
    SELECT json_agg(json_build_object('id', t.id, 'checkpoint', k.name, 'optimizer', t.optimizer, 'lr', t.lr,
       'weightDecay', t.weight_decay, 'state', t.state,
       'counted', NOT (t.state = 'succeeded' AND coalesce(t.final_metric ${NOT_FINITE}, true)))) AS rows
     FROM trials t JOIN checkpoints k ON k.id = t.checkpoint_id WHERE t.sweep_id = ${sweepId}`;
  return out?.rows ?? [];
}

/** Of `trialIds`, the succeeded trials the grid does not count (final metric NaN, infinite or missing). */
export async function uncountedSuccesses(db: Db, trialIds: string[]): Promise<string[]> {
  if (trialIds.length === 0) return [];
  const rows = await db.$queryRaw<Array<{ id: string }>>`
    SELECT id FROM trials WHERE id = ANY(${trialIds}::text[]) AND state = 'succeeded'
      AND coalesce(final_metric ${NOT_FINITE}, true)`;
  return rows.map((r) => r.id);
}

/** What a grid cell says beside its counts: its place and `GridCellCounts`' diverged, reason and rungs. */
export type GridCellNote = Pick<
  GridCellCounts,
  | 'checkpoint'
  | 'optimizer'
  | 'lr'
  | 'weightDecay'
  | 'diverged'
  | 'reason'
  | 'prunedEpoch'
  | 'prunedValue'
  | 'prunedEpochMin'
  | 'pausedEpoch'
  | 'pausedValue'
>;

/**
 * The notes of each grid cell with failed, pruned or paused trials, read from those trials only (through the
 * (sweep_id, state) index) and their latest rung records that did not promote them, as `gridCellCounts` reads
 * them.
 */
export async function gridCellNotes(db: Db, sweepId: string): Promise<GridCellNote[]> {
  const [out] = await db.$queryRaw<Array<{ rows: GridCellNote[] | null }>>`
    SELECT json_agg(r) AS rows FROM (
       SELECT k.name AS checkpoint, t.optimizer, t.lr, t.weight_decay AS "weightDecay",
              count(*) FILTER (WHERE t.state = 'failed' AND t.reason = 'diverged')::int AS diverged,
              coalesce(min(left(t.error, 500)) FILTER (WHERE t.state = 'failed'),
                       min(left(t.error, 500)) FILTER (WHERE t.state = 'pruned')) AS reason,
              max(r.epoch) FILTER (WHERE t.state = 'pruned') AS "prunedEpoch",
              (array_agg(r.value ORDER BY r.epoch DESC, t.id)
                 FILTER (WHERE t.state = 'pruned' AND r.epoch IS NOT NULL))[1] AS "prunedValue",
              min(r.epoch) FILTER (WHERE t.state = 'pruned') AS "prunedEpochMin",
              max(r.epoch) FILTER (WHERE t.state = 'paused') AS "pausedEpoch",
              (array_agg(r.value ORDER BY r.epoch DESC, t.id)
                 FILTER (WHERE t.state = 'paused' AND r.epoch IS NOT NULL))[1] AS "pausedValue"
       FROM trials t JOIN checkpoints k ON k.id = t.checkpoint_id
       LEFT JOIN LATERAL (
         SELECT tr.epoch, ${finiteRungValue('tr.value')} AS value FROM trial_rungs tr
         WHERE tr.trial_id = t.id AND NOT tr.promoted ORDER BY tr.epoch DESC LIMIT 1
       ) r ON t.state IN ('pruned', 'paused')
       WHERE t.sweep_id = ${sweepId} AND t.state IN ('failed', 'pruned', 'paused')
       GROUP BY k.name, t.optimizer, t.lr, t.weight_decay) r`;
  return out?.rows ?? [];
}
