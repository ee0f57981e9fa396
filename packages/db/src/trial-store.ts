/** Trials: what the API lists and what a worker claims, reports and finishes. */
import {
  boundErrorText,
  DEFAULT_MAX_ATTEMPTS,
  DomainError,
  type FailureReason,
  type PruningPlan,
  pruningPlanOf,
  type SweepSpec,
  TRIAL_MOVES,
  type TrialFollowUps,
  type TrialRun,
  trialFollowUpsOf,
  type TrialState,
} from '@sweeps/core';
import type { Db } from './client.ts';
import { type EpochPage, readTrialMetrics } from './trial-metrics.ts';
import { inSourceStates, sourceStates, targetState } from './trial-moves.ts';

export interface TrialListFilter {
  sweepId: string;
  state?: TrialState;
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
      ...(f.state ? { state: f.state } : {}),
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

/**
 * One trial with one page of the per-epoch metrics of one lease: `lease` (a claim's number, as `metricLeases`
 * lists them), by default the trial's latest lease that recorded an epoch; `page`, by default
 * its first `TRIAL_VIEW_MAX_EPOCHS` epochs (`epochsTruncated` and `epochsNextFrom` say when there are more).
 * Throws TRIAL_NOT_FOUND, and ATTEMPT_NOT_FOUND (the code's first name, kept) for a lease that recorded nothing.
 */
export async function getTrial(
  db: Db,
  sweepId: string,
  trialId: string,
  lease?: number,
  page: EpochPage = {},
) {
  const [trial, metrics] = await Promise.all([
    db.trial.findFirst({
      where: { id: trialId, sweepId },
      include: { checkpoint: { select: { name: true, uri: true } } },
    }),
    readTrialMetrics(db, trialId, lease, page),
  ]);
  if (!trial)
    throw new DomainError('TRIAL_NOT_FOUND', `No trial "${trialId}" in sweep "${sweepId}".`);
  if (lease !== undefined && !metrics.leases.some((l) => l.lease === lease))
    throw new DomainError(
      'ATTEMPT_NOT_FOUND',
      `Trial "${trialId}" has no metrics from lease ${lease}; its leases with metrics are: ${metrics.leases.map((l) => l.lease).join(', ') || 'none'}.`,
    );
  return {
    ...trial,
    metricsLease: metrics.lease,
    metricsCurrent: metrics.current,
    metricLeases: metrics.leases,
    epochs: metrics.epochs,
    epochsTruncated: metrics.truncated,
    epochsNextFrom: metrics.nextFrom,
  };
}

/**
 * The right to write one attempt of a trial: the worker that claimed it and the claim's lease number. Every write
 * of the attempt names it, so an attempt that was superseded (its worker stopped, lost the job, or was restarted)
 * cannot write epochs or a result any more.
 */
export interface TrialLease {
  trialId: string;
  workerId: string;
  lease: number;
}

/** What a claim gives a worker. */
export type TrialClaim =
  | {
      kind: 'claimed';
      lease: TrialLease;
      run: TrialRun;
      attempts: number;
      maxAttempts: number;
      /**
       * Whether an earlier run of the trial may have left a snapshot to resume from: any earlier claim (a later
       * attempt, a hand-back, whose attempt was given back, a trial recovered from a lost worker), or a trial that
       * reached an asha rung (paused there and promoted: its attempt was not counted).
       */
      resume: boolean;
      /** The trial's rungs (null: never judged), from the sweep read with the claim: no second read to start it. */
      plan: PruningPlan | null;
      /** What the trial's end sets off (core's `trialFollowUpsOf`); the same for every trial of its sweep. */
      followUps: TrialFollowUps;
      /** The worker that stored the trial's newest epoch (its trial directory holds the newest snapshot), if any. */
      snapshotWorkerId: string | null;
    }
  /** The trial had used all its attempts (its workers died during each one): it is now failed. */
  | { kind: 'exhausted'; attempts: number; error: string };

/**
 * Claims a trial for a worker: queued (or running on a worker that lost it) becomes running here, with a new
 * lease. A trial that has used `max_attempts` already (each of its workers died while running it) is failed
 * instead, so a poison trial cannot take down worker after worker. Returns null when the trial is finished,
 * cancelled or its sweep was cancelled: the job is then a no-op.
 */
export async function claimTrial(
  db: Db,
  trialId: string,
  workerId: string,
): Promise<TrialClaim | null> {
  const rows = await db.$queryRaw<
    Array<{
      id: string;
      sweep_id: string;
      state: string;
      config: { optimizer: string; params: Record<string, number> };
      seed: number;
      attempts: number;
      lease: number;
      error: string | null;
      spec: SweepSpec;
      ck_name: string;
      ck_uri: string;
      ck_format: string | null;
      ck_prefix: string | null;
      reached_rung: boolean;
      snapshot_worker_id: string | null;
    }>
  >`
    WITH cur AS (
      SELECT t.id, t.attempts >= coalesce((s.spec->>'max_attempts')::int, ${DEFAULT_MAX_ATTEMPTS}::int) AS spent
      FROM trials t JOIN sweeps s ON s.id = t.sweep_id
      WHERE t.id = ${trialId} AND s.status = 'active' AND ${inSourceStates('claim', 't.state')}
        AND ${inSourceStates('exhaust', 't.state')}
      FOR UPDATE OF t)
    UPDATE trials t SET
      state = CASE WHEN cur.spent THEN ${targetState('exhaust')} ELSE ${targetState('claim')} END,
      worker_id = CASE WHEN cur.spent THEN t.worker_id ELSE ${workerId} END,
      attempts = CASE WHEN cur.spent THEN t.attempts ELSE t.attempts + 1 END,
      lease = t.lease + 1,
      started_at = CASE WHEN cur.spent THEN t.started_at ELSE now() END,
      finished_at = CASE WHEN cur.spent THEN now() ELSE NULL END,
      reason = CASE WHEN cur.spent THEN ${'lost' satisfies FailureReason} ELSE t.reason END,
      error = CASE WHEN cur.spent THEN left('gave up after ' || t.attempts || ' attempts (the worker running it was lost each time); the last error: ' || coalesce(t.error, 'none recorded'), 4000) ELSE t.error END
    FROM cur, sweeps s, checkpoints c
    WHERE t.id = cur.id AND s.id = t.sweep_id AND c.id = t.checkpoint_id
    RETURNING t.id, t.sweep_id, t.state::text AS state, t.config, t.seed, t.attempts, t.lease, t.error, s.spec,
      EXISTS (SELECT 1 FROM trial_rungs r WHERE r.trial_id = t.id) AS reached_rung,
      (SELECT g.snapshot_worker_id FROM trial_progress g WHERE g.trial_id = t.id) AS snapshot_worker_id,
      c.name AS ck_name, c.uri AS ck_uri, c.format AS ck_format, c.prefix AS ck_prefix`;
  const row = rows[0];
  if (!row) return null;
  if (row.state === TRIAL_MOVES.exhaust.to)
    return { kind: 'exhausted', attempts: row.attempts, error: row.error ?? '' };
  const spec = row.spec;
  return {
    kind: 'claimed',
    lease: { trialId: row.id, workerId, lease: row.lease },
    attempts: row.attempts,
    maxAttempts: spec.max_attempts ?? DEFAULT_MAX_ATTEMPTS,
    resume: row.lease > 1 || row.attempts > 1 || row.reached_rung,
    plan: pruningPlanOf(spec, row.seed),
    followUps: trialFollowUpsOf(spec),
    snapshotWorkerId: row.snapshot_worker_id,
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

/** Records success; only the lease holder can finish it, so a trial has exactly one result. */
export async function completeTrial(
  db: Db,
  lease: TrialLease,
  r: { finalMetric: number; metrics: Record<string, number>; backend?: string; device?: string },
): Promise<boolean> {
  // One statement: the trial's row, and its cell's running statistics (Welford) when the metric is finite, so
  // the grid and best-setting reads stay O(cells). NaN and infinite results count as failed cells, not means.
  const [row] = await db.$queryRaw<Array<{ n: number }>>`
    WITH done AS (
      UPDATE trials SET state = ${targetState('complete')}, final_metric = ${r.finalMetric}, final_metrics = ${JSON.stringify(r.metrics)}::jsonb,
        backend = ${r.backend ?? null}, device = ${r.device ?? null}, error = NULL, reason = NULL, finished_at = now()
      WHERE id = ${lease.trialId} AND worker_id = ${lease.workerId} AND lease = ${lease.lease} AND ${inSourceStates('complete')}
      RETURNING sweep_id, checkpoint_id, config_hash, optimizer, lr, weight_decay, final_metric),
    -- finished while it stopped at a rung where it was paused: it went on after all
    passed AS (
      UPDATE trial_rungs SET outcome = 'promoted', promoted = true,
        reason = left(reason || '; it finished its epochs before it could stop', 1000)
      WHERE trial_id = ${lease.trialId} AND outcome = 'paused' AND EXISTS (SELECT 1 FROM done)),
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

/**
 * Records a failure, with its error text and its one-word reason: final (state failed) or transient (back to
 * queued, awaiting a retry).
 */
export async function failTrial(
  db: Db,
  lease: TrialLease,
  f: { error: string; reason: FailureReason; outputTail: string; final: boolean },
): Promise<boolean> {
  const move = f.final ? 'fail' : 'requeue';
  const n = await db.trial.updateMany({
    where: {
      id: lease.trialId,
      workerId: lease.workerId,
      lease: lease.lease,
      state: { in: sourceStates(move) },
    },
    data: {
      state: TRIAL_MOVES[move].to,
      error: boundErrorText(f.error),
      reason: f.reason,
      outputTail: f.outputTail.slice(-16_000),
      finishedAt: f.final ? new Date() : null,
    },
  });
  return n.count === 1;
}

/** Hands a running trial back to the queue (worker shutting down): the attempt does not count. */
export async function handBackTrial(db: Db, lease: TrialLease): Promise<boolean> {
  const n = await db.$executeRaw`
    UPDATE trials SET state = ${targetState('handBack')}, worker_id = NULL, attempts = GREATEST(attempts - 1, 0), started_at = NULL
    WHERE id = ${lease.trialId} AND worker_id = ${lease.workerId} AND lease = ${lease.lease} AND ${inSourceStates('handBack')}`;
  return n === 1;
}

/**
 * A worker starting under an id settles what an earlier life under the same id left running (it died without
 * handing its trials back): they go back to queued, the lost attempt counting, their leases revoked. Returns how
 * many trials it put back.
 */
export async function settleTrialsOfPreviousLife(db: Db, workerId: string): Promise<number> {
  return db.$executeRaw`
    UPDATE trials SET state = ${targetState('recoverLost')}, worker_id = NULL, lease = lease + 1
    WHERE worker_id = ${workerId} AND ${inSourceStates('recoverLost')}`;
}

/**
 * Trials that should be in Redis: queued trials of active sweeps, and trials running on workers whose heartbeat
 * is older than `lostAfterMs` (the worker died with Redis empty). The latter are put back to queued.
 */
export async function trialsToReconcile(
  db: Db,
  lostAfterMs: number,
): Promise<Array<{ id: string; sweep_id: string }>> {
  await db.$executeRaw`
    UPDATE trials t SET state = ${targetState('recoverLost')}, worker_id = NULL, lease = t.lease + 1
    FROM sweeps s
    WHERE ${inSourceStates('recoverLost', 't.state')} AND s.id = t.sweep_id AND s.status = 'active'
      AND NOT EXISTS (SELECT 1 FROM workers w WHERE w.id = t.worker_id AND w.stopped_at IS NULL
                      AND w.last_heartbeat_at > now() - make_interval(secs => ${lostAfterMs / 1000}::float8))`;
  return db.$queryRaw`
    SELECT t.id, t.sweep_id FROM trials t JOIN sweeps s ON s.id = t.sweep_id
    WHERE t.state = 'queued' AND s.status = 'active' ORDER BY t.created_at, t.id`;
}

/** A trial's state now, or null when there is no such trial. */
export async function trialState(db: Db, trialId: string): Promise<TrialState | null> {
  const [row] = await db.$queryRaw<Array<{ state: TrialState }>>`
    SELECT state::text AS state FROM trials WHERE id = ${trialId}`;
  return row?.state ?? null;
}
