/** Trials: what the API lists and what a worker claims, reports and finishes. */
import { DomainError, type SweepSpec, type TrialRun } from '@sweeps/core';
import type { Db } from './client.ts';

export interface TrialListFilter {
  sweepId: string;
  state?: string;
  checkpoint?: string;
  optimizer?: string;
  lr?: number;
  weightDecay?: number;
  /** The last trial id of the previous page. */
  cursor?: string;
  limit: number;
}

export async function listTrials(db: Db, f: TrialListFilter) {
  const rows = await db.trial.findMany({
    where: {
      sweepId: f.sweepId,
      ...(f.state ? { state: f.state as 'queued' } : {}),
      ...(f.checkpoint ? { checkpoint: { name: f.checkpoint } } : {}),
      ...(f.optimizer ? { optimizer: f.optimizer } : {}),
      ...(f.lr !== undefined ? { lr: f.lr } : {}),
      ...(f.weightDecay !== undefined ? { weightDecay: f.weightDecay } : {}),
    },
    orderBy: { id: 'asc' },
    take: f.limit + 1,
    ...(f.cursor ? { cursor: { id: f.cursor }, skip: 1 } : {}),
    include: { checkpoint: { select: { name: true } } },
  });
  const page = rows.slice(0, f.limit);
  return { trials: page, nextCursor: rows.length > f.limit ? page[page.length - 1]!.id : null };
}

/** One trial with every epoch's metrics; throws TRIAL_NOT_FOUND. */
export async function getTrial(db: Db, sweepId: string, trialId: string) {
  const trial = await db.trial.findFirst({
    where: { id: trialId, sweepId },
    include: {
      checkpoint: { select: { name: true, uri: true } },
      metrics: { orderBy: [{ epoch: 'asc' }, { name: 'asc' }] },
    },
  });
  if (!trial)
    throw new DomainError('TRIAL_NOT_FOUND', `No trial "${trialId}" in sweep "${sweepId}".`);
  return trial;
}

/**
 * Claims a trial for a worker: queued (or running on a worker that lost it) becomes running here.
 * Returns null when the trial is finished, cancelled or its sweep was cancelled: the job is then a no-op.
 */
export async function claimTrial(
  db: Db,
  trialId: string,
  workerId: string,
): Promise<{ run: TrialRun; attempts: number; maxAttempts: number } | null> {
  const rows = await db.$queryRaw<
    Array<{
      id: string;
      sweep_id: string;
      config: { optimizer: string; params: Record<string, number> };
      seed: number;
      attempts: number;
      spec: SweepSpec;
      ck_name: string;
      ck_uri: string;
      ck_format: string | null;
      ck_prefix: string | null;
    }>
  >`
    UPDATE trials t SET state = 'running', worker_id = ${workerId}, attempts = t.attempts + 1, started_at = now(), finished_at = NULL
    FROM sweeps s, checkpoints c
    WHERE t.id = ${trialId} AND s.id = t.sweep_id AND c.id = t.checkpoint_id AND s.status = 'active' AND t.state IN ('queued', 'running')
    RETURNING t.id, t.sweep_id, t.config, t.seed, t.attempts, s.spec, c.name AS ck_name, c.uri AS ck_uri, c.format AS ck_format, c.prefix AS ck_prefix`;
  const row = rows[0];
  if (!row) return null;
  const spec = row.spec;
  return {
    attempts: row.attempts,
    maxAttempts: spec.max_attempts ?? 3,
    run: {
      trialId: row.id,
      sweepId: row.sweep_id,
      optimizer: row.config.optimizer,
      params: row.config.params,
      seed: row.seed,
      fixed: spec.fixed ?? {},
      trainer: spec.trainer as TrialRun['trainer'],
      metricName: spec.metric.name,
      checkpoint: {
        name: row.ck_name,
        uri: row.ck_uri,
        ...(row.ck_format ? { format: row.ck_format } : {}),
        ...(row.ck_prefix ? { prefix: row.ck_prefix } : {}),
      },
    },
  };
}

/** Upserts one epoch's metrics (idempotent: a repeated epoch overwrites its values). Non-finite values are skipped. */
export async function recordEpoch(
  db: Db,
  trialId: string,
  epoch: number,
  metrics: Record<string, number>,
): Promise<void> {
  const entries = Object.entries(metrics).filter(
    ([, v]) => typeof v === 'number' && Number.isFinite(v),
  );
  if (entries.length === 0) return;
  await db.$executeRaw`
    INSERT INTO trial_metrics (trial_id, epoch, name, value)
    SELECT ${trialId}, ${epoch}, n, v FROM unnest(${entries.map((e) => e[0])}::text[], ${entries.map((e) => e[1])}::float8[]) AS m(n, v)
    ON CONFLICT (trial_id, epoch, name) DO UPDATE SET value = EXCLUDED.value`;
}

/** Records success; only the worker holding the trial can finish it, so a trial has exactly one result. */
export async function completeTrial(
  db: Db,
  trialId: string,
  workerId: string,
  r: { finalMetric: number; metrics: Record<string, number>; backend?: string; device?: string },
): Promise<boolean> {
  // One statement: the trial's row, and its cell's running statistics (Welford) when the metric is finite, so
  // the grid and best-setting reads stay O(cells). NaN and infinite results count as failed cells, not means.
  const [row] = await db.$queryRaw<Array<{ n: number }>>`
    WITH done AS (
      UPDATE trials SET state = 'succeeded', final_metric = ${r.finalMetric}, final_metrics = ${JSON.stringify(r.metrics)}::jsonb,
        backend = ${r.backend ?? null}, device = ${r.device ?? null}, error = NULL, finished_at = now()
      WHERE id = ${trialId} AND worker_id = ${workerId} AND state = 'running'
      RETURNING sweep_id, checkpoint_id, config_hash, optimizer, lr, weight_decay, final_metric),
    stats AS (
      INSERT INTO cell_stats AS c (sweep_id, checkpoint_id, config_hash, optimizer, lr, weight_decay, n, mean, m2)
      SELECT sweep_id, checkpoint_id, config_hash, optimizer, lr, weight_decay, 1, final_metric, 0 FROM done
      WHERE final_metric NOT IN ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8)
      ON CONFLICT (sweep_id, checkpoint_id, config_hash) DO UPDATE SET
        n = c.n + 1,
        mean = c.mean + (EXCLUDED.mean - c.mean) / (c.n + 1),
        m2 = c.m2 + (EXCLUDED.mean - c.mean) * (EXCLUDED.mean - (c.mean + (EXCLUDED.mean - c.mean) / (c.n + 1))))
    SELECT count(*)::int AS n FROM done`;
  return row?.n === 1;
}

/** Records a failure: final (state failed) or transient (back to queued, awaiting a retry). */
export async function failTrial(
  db: Db,
  trialId: string,
  workerId: string,
  f: { error: string; outputTail: string; final: boolean },
): Promise<boolean> {
  const n = await db.trial.updateMany({
    where: { id: trialId, workerId, state: 'running' },
    data: {
      state: f.final ? 'failed' : 'queued',
      error: f.error.slice(0, 4000),
      outputTail: f.outputTail.slice(-16_000),
      finishedAt: f.final ? new Date() : null,
    },
  });
  return n.count === 1;
}

/** Hands a running trial back to the queue (worker shutting down): the attempt does not count. */
export async function handBackTrial(db: Db, trialId: string, workerId: string): Promise<boolean> {
  const n = await db.$executeRaw`
    UPDATE trials SET state = 'queued', worker_id = NULL, attempts = GREATEST(attempts - 1, 0), started_at = NULL
    WHERE id = ${trialId} AND worker_id = ${workerId} AND state = 'running'`;
  return n === 1;
}

/** Whether the trial may still run (not cancelled or finished by someone else). */
export async function isTrialStillMine(
  db: Db,
  trialId: string,
  workerId: string,
): Promise<boolean> {
  const t = await db.trial.findUnique({
    where: { id: trialId },
    select: { state: true, workerId: true },
  });
  return t?.state === 'running' && t.workerId === workerId;
}

/**
 * Trials that should be in Redis: queued trials of active sweeps, and trials running on workers whose heartbeat
 * is older than `staleAfterMs` (the worker died with Redis empty). The latter are put back to queued.
 */
export async function trialsToReconcile(
  db: Db,
  staleAfterMs: number,
): Promise<Array<{ id: string; sweep_id: string }>> {
  await db.$executeRaw`
    UPDATE trials t SET state = 'queued', worker_id = NULL
    FROM sweeps s
    WHERE t.state = 'running' AND s.id = t.sweep_id AND s.status = 'active'
      AND NOT EXISTS (SELECT 1 FROM workers w WHERE w.id = t.worker_id AND w.stopped_at IS NULL
                      AND w.last_heartbeat_at > now() - make_interval(secs => ${staleAfterMs / 1000}::float8))`;
  return db.$queryRaw`
    SELECT t.id, t.sweep_id FROM trials t JOIN sweeps s ON s.id = t.sweep_id
    WHERE t.state = 'queued' AND s.status = 'active' ORDER BY t.created_at, t.id`;
}
