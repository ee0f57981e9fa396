/** Reads behind the dashboard's grid: where each grid cell's trials stand, and the best-epoch view of results. */
import {
  type CellResult,
  type Goal,
  type GridCellCounts,
  TRIAL_STATES,
  type TrialState,
} from '@sweeps/core';
import type { Db } from './client.ts';
import { Prisma } from './generated/client.ts';
import { finiteRungValue } from './paused-rungs.ts';

/** Where succeeded trials are counted from: `cell_stats`, one row per cell (the other states from `trials`). */
const COUNTED_FROM_CELL_STATS: TrialState = 'succeeded';

/** The states the grid counts from `trials`: every state of core's but the one `cell_stats` counts. */
export const GRID_STATES_FROM_TRIALS: readonly TrialState[] = TRIAL_STATES.filter(
  (s) => s !== COUNTED_FROM_CELL_STATS,
);

/** A state as an SQL column name (core's states are lower-case words). */
const column = (s: TrialState) => Prisma.raw(`"${s}"`);

/** Per state of core's, a column of the grid's counts: `sum("queued")::int AS "queued", ...`. */
const stateSums = Prisma.join(
  TRIAL_STATES.map((s) => Prisma.sql`sum(${column(s)})::int AS ${column(s)}`),
);

/** The `cell_stats` branch's state columns: its row count as `succeeded`, 0 for every other state. */
const cellStatsCounts = Prisma.join(
  TRIAL_STATES.map((s) =>
    s === COUNTED_FROM_CELL_STATS ? Prisma.sql`s.n AS ${column(s)}` : Prisma.sql`0 AS ${column(s)}`,
  ),
);

/** The `trials` branch's state columns, in the same order: a count per state it reads, 0 for `succeeded`. */
const trialCounts = Prisma.join(
  TRIAL_STATES.map((s) =>
    s === COUNTED_FROM_CELL_STATS
      ? Prisma.sql`0`
      : Prisma.sql`count(*) FILTER (WHERE t.state = ${s}::"TrialState")`,
  ),
);

/**
 * The SQL of {@link gridCellCounts}: its per-state columns are built from core's `TRIAL_STATES`, so a state added
 * there is counted here (and `GridCellCounts` asks for it) instead of silently vanishing from the grid.
 */
export function gridCellCountsSql(sweepId: string): Prisma.Sql {
  return Prisma.sql`
    SELECT coalesce(json_agg(r), '[]'::json) AS rows FROM (
      SELECT checkpoint, optimizer, lr, "weightDecay", ${stateSums},
             sum(diverged)::int AS diverged, min(reason) AS reason,
             max(pruned_epoch)::int AS "prunedEpoch",
             (array_agg(pruned_value ORDER BY pruned_epoch DESC NULLS LAST))[1] AS "prunedValue",
             min(pruned_epoch_min)::int AS "prunedEpochMin",
             max(paused_epoch)::int AS "pausedEpoch",
             (array_agg(paused_value ORDER BY paused_epoch DESC NULLS LAST))[1] AS "pausedValue"
      FROM (
        SELECT k.name AS checkpoint, s.optimizer, s.lr, s.weight_decay AS "weightDecay", ${cellStatsCounts},
               0 AS diverged, NULL::text AS reason, NULL::int AS pruned_epoch,
               NULL::float8 AS pruned_value, NULL::int AS pruned_epoch_min, NULL::int AS paused_epoch,
               NULL::float8 AS paused_value
        FROM cell_stats s JOIN checkpoints k ON k.id = s.checkpoint_id
        WHERE s.sweep_id = ${sweepId}
        UNION ALL
        SELECT k.name, t.optimizer, t.lr, t.weight_decay, ${trialCounts},
               count(*) FILTER (WHERE t.state = 'failed' AND t.reason = 'diverged'),
               coalesce(min(left(t.error, 500)) FILTER (WHERE t.state = 'failed'),
                        min(left(t.error, 500)) FILTER (WHERE t.state = 'pruned')),
               max(r.epoch) FILTER (WHERE t.state = 'pruned'),
               (array_agg(r.value ORDER BY r.epoch DESC, t.id)
                  FILTER (WHERE t.state = 'pruned' AND r.epoch IS NOT NULL))[1],
               min(r.epoch) FILTER (WHERE t.state = 'pruned'),
               max(r.epoch) FILTER (WHERE t.state = 'paused'),
               (array_agg(r.value ORDER BY r.epoch DESC, t.id)
                  FILTER (WHERE t.state = 'paused' AND r.epoch IS NOT NULL))[1]
        FROM trials t JOIN checkpoints k ON k.id = t.checkpoint_id
        LEFT JOIN (
          SELECT DISTINCT ON (tr.trial_id) tr.trial_id, tr.epoch, ${finiteRungValue('tr.value')} AS value
          FROM trial_rungs tr WHERE tr.sweep_id = ${sweepId} AND NOT tr.promoted
          ORDER BY tr.trial_id, tr.epoch DESC
        ) r ON r.trial_id = t.id AND t.state IN ('pruned', 'paused')
        WHERE t.sweep_id = ${sweepId} AND t.state = ANY(${[...GRID_STATES_FROM_TRIALS]}::"TrialState"[])
        GROUP BY k.name, t.optimizer, t.lr, t.weight_decay
      ) u
      GROUP BY checkpoint, optimizer, lr, "weightDecay") r`;
}

/**
 * Trials per (checkpoint, optimizer, lr, weight decay) by state. Succeeded trials are counted from `cell_stats`
 * (one row per cell) and every other state from `trials` (through the (sweep_id, state) index), so a finished
 * sweep of 10,000 trials costs one row per cell. A pruned grid cell carries the latest epoch one of its trials was
 * pruned at, the value it had there and why; a grid cell with paused trials (asha waiting at a rung) carries the
 * latest rung epoch one of them waits at and its value there. Both come from each such trial's latest
 * `trial_rungs` record that did not promote it (outcome `pruned`, or `paused` for the rung a paused trial waits
 * at), one record per trial, so no trial is counted twice; a value that is not finite (NaN at a rung) reads as
 * null, as JSON has no NaN.
 */
export async function gridCellCounts(db: Db, sweepId: string): Promise<GridCellCounts[]> {
  const [out] = await db.$queryRaw<Array<{ rows: GridCellCounts[] }>>(gridCellCountsSql(sweepId));
  return out?.rows ?? [];
}

/**
 * Per (checkpoint, cell): mean, spread and count over seeds of each succeeded trial's best epoch of `metric`
 * (highest for maximize, lowest for minimize), over the epochs of its current lease. Every cell is returned; core
 * ranks them.
 */
export async function bestEpochCellResults(
  db: Db,
  sweepId: string,
  metric: string,
  goal: Goal,
): Promise<CellResult[]> {
  const [out] = await db.$queryRaw<Array<{ rows: CellResult[] }>>`
    SELECT coalesce(json_agg(r), '[]'::json) AS rows FROM (
      SELECT k.name AS checkpoint, p.optimizer, p.config_hash AS "configHash",
             json_build_object('lr', p.lr, 'weight_decay', p.weight_decay) AS params,
             count(*)::int AS n, avg(p.v) AS mean, stddev_samp(p.v) AS std
      FROM (
        SELECT t.checkpoint_id, t.config_hash, t.optimizer, t.lr, t.weight_decay,
               CASE WHEN ${goal}::text = 'maximize' THEN max(m.value) ELSE min(m.value) END AS v
        FROM trials t JOIN trial_progress g ON g.trial_id = t.id
          JOIN trial_metrics m ON m.trial_id = t.id AND m.lease = g.metrics_lease AND m.name = ${metric}
        WHERE t.sweep_id = ${sweepId} AND t.state = 'succeeded'
        GROUP BY t.id
      ) p JOIN checkpoints k ON k.id = p.checkpoint_id
      WHERE p.v NOT IN ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8)
      GROUP BY k.name, p.optimizer, p.config_hash, p.lr, p.weight_decay) r`;
  return out?.rows ?? [];
}

/** The best cell mean (final metric) of each sweep, for the sweeps list. */
export async function bestMeanBySweep(
  db: Db,
  sweeps: Array<{ id: string; metricGoal: string }>,
): Promise<Map<string, number>> {
  if (sweeps.length === 0) return new Map();
  const rows = await db.$queryRaw<Array<{ sweep_id: string; hi: number; lo: number }>>`
    SELECT sweep_id, max(mean) AS hi, min(mean) AS lo FROM cell_stats
    WHERE sweep_id = ANY(${sweeps.map((s) => s.id)}::text[])
      AND mean NOT IN ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8)
    GROUP BY sweep_id`;
  const goal = new Map(sweeps.map((s) => [s.id, s.metricGoal]));
  return new Map(rows.map((r) => [r.sweep_id, goal.get(r.sweep_id) === 'minimize' ? r.lo : r.hi]));
}
