/**
 * Per-epoch metrics, kept per lease: every row names the lease of the claim that wrote it, so a retried or resumed
 * trial's earlier runs stay readable and never mix with the current one's. Reads show the lease named by the
 * trial's `trial_progress` row (`metrics_lease`: the latest lease that recorded an epoch), whose `epochs_run`
 * counts that lease's epochs.
 */
import type { Db } from './client.ts';
import { inSourceStates, sourceStates } from './trial-moves.ts';
import type { TrialLease } from './trial-store.ts';

/**
 * At most this many epochs of metrics in one trial view, and the default page: a bound on the work and the body of
 * one read (1,000 epochs of 26 metrics are about 250 kB). Longer curves are read page by page (`from`).
 */
export const TRIAL_VIEW_MAX_EPOCHS = 1_000;

/**
 * At most this many values (epochs x metrics) in one trial view, whatever the metrics per epoch: 1,000 epochs of
 * 30 metrics, or 150 of 200 (at least one epoch is always shown). About 1 MB of JSON with full-precision values.
 */
export const TRIAL_VIEW_MAX_VALUES = 30_000;

/** Which epochs of a lease one trial view shows: from epoch `from` (default 0), at most `limit` of them. */
export interface EpochPage {
  from?: number;
  limit?: number;
}

/** One epoch's metrics, as the trial view returns them: `{ epoch: 3, bbox_mAP: 0.31, loss: 0.8 }`. */
export type TrialEpoch = { epoch: number } & Record<string, number>;

/** How a lease's first epoch is written. */
export interface EpochWriteOptions {
  /**
   * The run resumed from a snapshot an earlier lease left: its first epoch takes over the epochs before it from
   * the lease reads showed until then (the one it continues), so its curve starts at epoch 1. Default false: a
   * fresh run starts with no epochs.
   */
  resumed?: boolean;
}

/**
 * Upserts one epoch's metrics for the lease (idempotent: a repeated epoch overwrites its values) and makes that
 * lease the one reads show, keeping its `epochs_run` and the worker that ran it (`snapshot_worker_id`: its trial
 * directory holds the newest snapshot, for affinity), in `trial_progress` (an epoch changes no trial
 * state, so the trial's own row is only locked, never rewritten). Non-finite values are skipped. Callers
 * validate epochs and names first (the worker's metric rules). Returns false when the lease is no longer the
 * trial's (nothing was written).
 */
export async function recordEpoch(
  db: Db,
  lease: TrialLease,
  epoch: number,
  metrics: Record<string, number>,
  options: EpochWriteOptions = {},
): Promise<boolean> {
  const entries = Object.entries(metrics).filter(
    ([, v]) => typeof v === 'number' && Number.isFinite(v),
  );
  if (entries.length === 0) return isLeaseHeld(db, lease);
  // One statement, fenced by the lease: the trial's row is locked FOR SHARE, so a claim committing meanwhile makes
  // this write see the new lease. Every part reads the snapshot from before the statement: `seen` is whether this
  // lease had the epoch already. One lease's epochs are written one after another (the worker chains them).
  const [row] = await db.$queryRaw<Array<{ n: number }>>`
    WITH t AS (
      SELECT tr.id, tr.sweep_id, p.metrics_lease, coalesce(p.epochs_run, 0) AS epochs_run,
             EXISTS (SELECT 1 FROM trial_metrics x WHERE x.trial_id = tr.id AND x.lease = ${lease.lease}
                     AND x.epoch = ${epoch}) AS seen
      FROM trials tr LEFT JOIN trial_progress p ON p.trial_id = tr.id
      WHERE tr.id = ${lease.trialId} AND tr.worker_id = ${lease.workerId} AND tr.lease = ${lease.lease}
        AND ${inSourceStates('complete', 'tr.state')} FOR SHARE OF tr),
    carried AS (
      INSERT INTO trial_metrics (trial_id, lease, epoch, name, value)
      SELECT m.trial_id, ${lease.lease}, m.epoch, m.name, m.value FROM t JOIN trial_metrics m
        ON m.trial_id = t.id AND m.lease = t.metrics_lease AND m.epoch < ${epoch}
      WHERE ${options.resumed === true}::boolean AND t.metrics_lease <> ${lease.lease}
      RETURNING epoch),
    written AS (
      INSERT INTO trial_metrics (trial_id, lease, epoch, name, value)
      SELECT t.id, ${lease.lease}, ${epoch}, m.n, m.v
      FROM t, unnest(${entries.map((e) => e[0])}::text[], ${entries.map((e) => e[1])}::float8[]) AS m(n, v)
      ON CONFLICT (trial_id, lease, epoch, name) DO UPDATE SET value = EXCLUDED.value
      RETURNING 1),
    counted AS (
      INSERT INTO trial_progress AS p (trial_id, sweep_id, metrics_lease, snapshot_worker_id, epochs_run)
      SELECT t.id, t.sweep_id, ${lease.lease}, ${lease.workerId},
             CASE WHEN t.metrics_lease = ${lease.lease} THEN t.epochs_run
                  ELSE (SELECT count(DISTINCT epoch) FROM carried)::int END
             + CASE WHEN t.seen THEN 0 ELSE 1 END
      FROM t
      ON CONFLICT (trial_id) DO UPDATE SET metrics_lease = EXCLUDED.metrics_lease, epochs_run = EXCLUDED.epochs_run,
        snapshot_worker_id = EXCLUDED.snapshot_worker_id)
    SELECT count(*)::int AS n FROM written`;
  return (row?.n ?? 0) > 0;
}

/** Whether the lease is still the trial's (running, same worker, same claim). */
export async function isLeaseHeld(db: Db, lease: TrialLease): Promise<boolean> {
  const n = await db.trial.count({
    where: {
      id: lease.trialId,
      workerId: lease.workerId,
      lease: lease.lease,
      state: { in: sourceStates('complete') },
    },
  });
  return n === 1;
}

/** One lease (a claim of the trial) that recorded metrics: its number, epochs, first and last write (ISO 8601). */
export interface MetricLease {
  lease: number;
  epochs: number;
  firstAt: string;
  lastAt: string;
}

/** What a trial view shows of the trial's metrics. */
export interface TrialMetricsView {
  /** The lease reads use (the latest that recorded an epoch; null: none). */
  current: number | null;
  /** The lease `epochs` belong to: the one asked for, else the latest that recorded an epoch (null: none). */
  lease: number | null;
  /** Every lease that recorded metrics, oldest first. */
  leases: MetricLease[];
  /** That lease's epochs from the page's first in epoch order, at most the page's limit. */
  epochs: TrialEpoch[];
  /** There are later epochs than the page holds (it is full: its epoch limit or {@link TRIAL_VIEW_MAX_VALUES}). */
  truncated: boolean;
  /** The `from` of the next page (its first epoch), or null when this page reaches the last epoch. */
  nextFrom: number | null;
}

/**
 * A trial's metrics in one query: its leases that recorded metrics, and one page of one lease's epochs
 * (`lease`, by default the current one, `trial_progress.metrics_lease`; `page`, by default from the first epoch,
 * at most {@link TRIAL_VIEW_MAX_EPOCHS} epochs and {@link TRIAL_VIEW_MAX_VALUES} values). The page's epochs are
 * chosen by counting values per epoch (a range of the metrics' primary key, so a late page costs what the first
 * does); only they are then merged, each into one JSON object, and sent as one text value (parsing it is linear
 * and fast, where building 20,000-key objects row by row was quadratic).
 */
export async function readTrialMetrics(
  db: Db,
  trialId: string,
  lease?: number,
  page: EpochPage = {},
): Promise<TrialMetricsView> {
  const from = page.from ?? 0;
  const limit = Math.min(page.limit ?? TRIAL_VIEW_MAX_EPOCHS, TRIAL_VIEW_MAX_EPOCHS);
  // json_object_agg writes `{ "a" : 1, ... }`: the epoch goes in front of its first key.
  const [row] = await db.$queryRaw<
    Array<{
      current: number | null;
      lease: number | null;
      leases: string;
      epochs: string;
      next: number | null;
    }>
  >`
    WITH cur AS (SELECT (SELECT metrics_lease FROM trial_progress WHERE trial_id = ${trialId}) AS lease),
    shown AS (SELECT coalesce(${lease ?? null}::int, (SELECT lease FROM cur)) AS lease),
    page AS (
      SELECT epoch, sum(count(*)) OVER (ORDER BY epoch) AS upto, row_number() OVER (ORDER BY epoch) AS i
      FROM trial_metrics WHERE trial_id = ${trialId} AND lease = (SELECT lease FROM shown) AND epoch >= ${from}
      GROUP BY epoch ORDER BY epoch LIMIT ${limit + 1}),
    kept AS (SELECT epoch FROM page WHERE i <= ${limit} AND (i = 1 OR upto <= ${TRIAL_VIEW_MAX_VALUES}))
    SELECT (SELECT lease FROM cur) AS current, (SELECT lease FROM shown) AS lease,
      (SELECT coalesce(json_agg(a ORDER BY a.lease), '[]')::text FROM (
         SELECT lease, count(DISTINCT epoch)::int AS epochs,
                to_char(min(created_at), 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "firstAt",
                to_char(max(created_at), 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "lastAt"
         FROM trial_metrics WHERE trial_id = ${trialId} GROUP BY lease) a) AS leases,
      (SELECT min(epoch) FROM page WHERE epoch NOT IN (SELECT epoch FROM kept)) AS next,
      (SELECT '[' || coalesce(string_agg('{"epoch":' || e.epoch || ',' || substr(e.values, 2), ',' ORDER BY e.epoch), '') || ']'
       FROM (SELECT m.epoch, json_object_agg(m.name, m.value)::text AS values
             FROM trial_metrics m JOIN kept k ON k.epoch = m.epoch
             WHERE m.trial_id = ${trialId} AND m.lease = (SELECT lease FROM shown)
             GROUP BY m.epoch) e) AS epochs`;
  const next = row?.next ?? null;
  return {
    current: row?.current ?? null,
    lease: row?.lease ?? null,
    leases: JSON.parse(row?.leases ?? '[]') as MetricLease[],
    epochs: JSON.parse(row?.epochs ?? '[]') as TrialEpoch[],
    truncated: next !== null,
    nextFrom: next,
  };
}

/**
 * Epochs the sweep's trials have run (each trial's current lease; a sum kept by the epoch writes, so this reads
 * one row per trial, never the metrics).
 */
export async function sweepEpochsRun(db: Db, sweepId: string): Promise<number> {
  const [row] = await db.$queryRaw<Array<{ run: number }>>`
    SELECT coalesce(sum(epochs_run), 0)::int AS run FROM trial_progress WHERE sweep_id = ${sweepId}`;
  return row?.run ?? 0;
}
