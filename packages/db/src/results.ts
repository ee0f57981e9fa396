/** Grid and best-setting inputs, aggregated in SQL: one row per (checkpoint, cell), never one per trial. */
import type { CellResult } from '@sweeps/core';
import type { Db } from './client.ts';

/** Mean, spread and count over seeds of succeeded trials with a finite final metric. */
export async function cellResults(db: Db, sweepId: string): Promise<CellResult[]> {
  const rows = await db.$queryRaw<Array<{ checkpoint: string; optimizer: string; config_hash: string; params: Record<string, number>; n: number; mean: number; std: number | null }>>`
    SELECT c.name AS checkpoint, t.optimizer, t.config_hash, t.config->'params' AS params,
           count(*)::int AS n, avg(t.final_metric) AS mean, stddev_samp(t.final_metric) AS std
    FROM trials t JOIN checkpoints c ON c.id = t.checkpoint_id
    WHERE t.sweep_id = ${sweepId} AND t.state = 'succeeded' AND t.final_metric IS NOT NULL
      AND t.final_metric NOT IN ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8)
    GROUP BY c.name, t.optimizer, t.config_hash, t.config->'params'`;
  return rows.map((r) => ({ checkpoint: r.checkpoint, optimizer: r.optimizer, configHash: r.config_hash, params: r.params, n: r.n, mean: r.mean, std: r.std }));
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
  const rows = await db.$queryRaw<Array<{ state: string; n: number }>>`SELECT state::text AS state, count(*)::int AS n FROM trials GROUP BY 1`;
  return Object.fromEntries(rows.map((r) => [r.state, r.n]));
}
