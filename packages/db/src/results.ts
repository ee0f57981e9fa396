/** Grid and best-setting inputs, aggregated in SQL: one row per (checkpoint, cell), never one per trial. */
import { type CellResult, type FailedGridCell, type Goal, ranksBefore } from '@sweeps/core';
import type { Db } from './client.ts';
import { Prisma } from './generated/client.ts';

/**
 * Per (checkpoint, cell): mean, spread and count over seeds of succeeded trials with a finite final metric (kept
 * up to date in `cell_stats` by `completeTrial`, so this reads one row per cell, never the trials), ranked
 * within `partition` (best first, ties by more seeds, optimizer, config hash, as core's `ranksBefore`); the first
 * of each grid cell, or the first two of each checkpoint (the best table's best and runner-up) are returned.
 */
async function rankedCells(
  db: Db,
  sweepId: string,
  goal: Goal,
  partition: 'checkpoint' | 'grid-cell',
) {
  const sign = goal === 'maximize' ? -1 : 1;
  const byGridCell = partition === 'grid-cell';
  const key = byGridCell
    ? Prisma.sql`s.checkpoint_id, s.optimizer, s.lr, s.weight_decay`
    : Prisma.sql`s.checkpoint_id`;
  // The best trial's params only for the best table (the grid's cells carry lr and weight decay already).
  const params = byGridCell
    ? Prisma.sql`NULL::jsonb`
    : Prisma.sql`(SELECT t.config->'params' FROM trials t WHERE t.sweep_id = ${sweepId} AND t.checkpoint_id = d.checkpoint_id AND t.config_hash = d.config_hash LIMIT 1)`;
  const columns = Prisma.sql`s.checkpoint_id, k.name AS checkpoint, s.optimizer, s.config_hash, s.lr, s.weight_decay,
    s.n, s.mean, CASE WHEN s.n > 1 THEN sqrt(greatest(s.m2, 0) / (s.n - 1)) END AS std`;
  const cells = Prisma.sql`cell_stats s JOIN checkpoints k ON k.id = s.checkpoint_id
    WHERE s.sweep_id = ${sweepId} AND s.mean NOT IN ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8)`;
  const order = Prisma.sql`s.mean * ${sign}, s.n DESC, s.optimizer COLLATE "C", s.config_hash COLLATE "C"`;
  // The grid: the first of each grid cell. The best table: the first two of each checkpoint (best and runner-up).
  const firstOf = Prisma.sql`SELECT DISTINCT ON (${key}) ${columns} FROM ${cells} ORDER BY ${key}, ${order}`;
  const topTwoOf = Prisma.sql`SELECT * FROM (
      SELECT ${columns}, row_number() OVER (PARTITION BY ${key} ORDER BY ${order}) AS place FROM ${cells}) c
    WHERE c.place <= 2`;
  // One JSON value for all rows: far cheaper to decode than a thousand driver rows.
  const [out] = await db.$queryRaw<
    Array<{
      rows: Array<{
        checkpoint: string;
        optimizer: string;
        config_hash: string;
        params: Record<string, number>;
        lr: number;
        weight_decay: number;
        n: number;
        mean: number;
        std: number | null;
      }>;
    }>
  >`
    SELECT coalesce(json_agg(r), '[]'::json) AS rows FROM (
      SELECT d.*, ${params} AS params
      FROM (${byGridCell ? firstOf : topTwoOf}) d) r`;
  return out?.rows ?? [];
}

/**
 * The best and second-best cells of each checkpoint (at most two rows per checkpoint), each checkpoint's best
 * before its runner-up.
 */
export async function bestCellResults(db: Db, sweepId: string, goal: Goal): Promise<CellResult[]> {
  const rows = await rankedCells(db, sweepId, goal, 'checkpoint');
  const results: CellResult[] = rows.map((r) => ({
    checkpoint: r.checkpoint,
    optimizer: r.optimizer,
    configHash: r.config_hash,
    params: r.params,
    n: r.n,
    mean: r.mean,
    std: r.std,
  }));
  return results.sort((a, b) =>
    a.checkpoint !== b.checkpoint
      ? a.checkpoint < b.checkpoint
        ? -1
        : 1
      : ranksBefore(a, b, goal)
        ? -1
        : 1,
  );
}

/**
 * The best cell of each (checkpoint, optimizer, lr, weight decay): one grid entry each, even when other
 * hyperparameters such as momentum vary. `params` holds lr and weight_decay only.
 */
export async function gridCellResults(db: Db, sweepId: string, goal: Goal): Promise<CellResult[]> {
  const rows = await rankedCells(db, sweepId, goal, 'grid-cell');
  return rows.map((r) => ({
    checkpoint: r.checkpoint,
    optimizer: r.optimizer,
    configHash: r.config_hash,
    params: { lr: r.lr, weight_decay: r.weight_decay },
    n: r.n,
    mean: r.mean,
    std: r.std,
  }));
}

/** Failed trials per (checkpoint, optimizer, lr, weight decay), to mark grid cells that have no result. */
export async function failedGridCells(db: Db, sweepId: string): Promise<FailedGridCell[]> {
  const rows = await db.$queryRaw<
    Array<{ checkpoint: string; optimizer: string; lr: number; weight_decay: number; n: number }>
  >`
    SELECT k.name AS checkpoint, t.optimizer, t.lr, t.weight_decay, count(*)::int AS n
    FROM trials t JOIN checkpoints k ON k.id = t.checkpoint_id
    WHERE t.sweep_id = ${sweepId} AND t.state = 'failed'
    GROUP BY k.name, t.optimizer, t.lr, t.weight_decay`;
  return rows.map((r) => ({
    checkpoint: r.checkpoint,
    optimizer: r.optimizer,
    lr: r.lr,
    weightDecay: r.weight_decay,
    n: r.n,
  }));
}

/** Durations of finished trials, for Prometheus: count, sum and a few buckets, per state. */
export async function trialDurationStats(db: Db) {
  return db.$queryRaw<Array<{ state: string; le: number; n: number; sum_s: number }>>`
    SELECT state::text AS state, b.le, count(*) FILTER (WHERE extract(epoch FROM finished_at - started_at) <= b.le)::int AS n,
           coalesce(sum(extract(epoch FROM finished_at - started_at)), 0)::float8 AS sum_s
    FROM trials, unnest(ARRAY[1, 10, 60, 600, 3600, 36000, 'Infinity'::float8]) AS b(le)
    WHERE finished_at IS NOT NULL AND started_at IS NOT NULL AND state IN ('succeeded', 'failed')
    GROUP BY state, b.le ORDER BY state, b.le`;
}

/** Trials by state over all sweeps. */
export async function trialsByState(db: Db): Promise<Record<string, number>> {
  const rows = await db.$queryRaw<
    Array<{ state: string; n: number }>
  >`SELECT state::text AS state, count(*)::int AS n FROM trials GROUP BY 1`;
  return Object.fromEntries(rows.map((r) => [r.state, r.n]));
}
