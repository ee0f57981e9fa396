/** Sweeps and their trials: creation in bulk, reading, cancelling, retrying and extending. */
import {
  checkpointIdOf,
  DomainError,
  trialIdOf,
  emptyTrialCounts,
  type CheckpointSpec,
  type Goal,
  type SweepStatus,
  type TrialCounts,
  type TrialState,
  type SweepPlan,
  type SweepSpec,
} from '@sweeps/core';
import type { Db } from './client.ts';
import { enforceKeyQuota, type KeyQuotas, lockKeyQuota, type QuotaOwner } from './key-quotas.ts';
import { inSourceStates, targetState } from './trial-moves.ts';

/** A trial row as the queue needs it. */
export interface TrialRef {
  id: string;
  sweepId: string;
}

export interface StoredSweep {
  id: string;
  name: string;
  spec: SweepSpec;
  metricName: string;
  metricGoal: Goal;
  trainerKind: string;
  status: SweepStatus;
  idempotencyKey: string | null;
  /** The API key that created it (null for older sweeps): see `mayControlSweep`. */
  createdByKeyId: string | null;
  createdAt: Date;
  checkpoints: Array<{
    id: string;
    name: string;
    uri: string;
    baseline: boolean;
    format: string | null;
    prefix: string | null;
  }>;
}

/** New trials as columns, for one `INSERT ... FROM unnest(...)`. */
export interface TrialRows {
  id: string[];
  checkpointId: string[];
  configHash: string[];
  config: string[];
  optimizer: string[];
  lr: number[];
  weightDecay: number[];
  seed: number[];
}

function trialRows(sweepId: string, plan: SweepPlan, checkpoints: CheckpointSpec[]): TrialRows {
  const rows: TrialRows = {
    id: [],
    checkpointId: [],
    configHash: [],
    config: [],
    optimizer: [],
    lr: [],
    weightDecay: [],
    seed: [],
  };
  for (const ck of checkpoints) {
    for (const cell of plan.cells) {
      const config = JSON.stringify({ optimizer: cell.optimizer, params: cell.params });
      for (const seed of plan.spec.seeds) {
        rows.id.push(trialIdOf(sweepId, ck.name, cell.configHash, seed));
        rows.checkpointId.push(checkpointIdOf(sweepId, ck.name));
        rows.configHash.push(cell.configHash);
        rows.config.push(config);
        rows.optimizer.push(cell.optimizer);
        rows.lr.push(Number(cell.params.lr));
        rows.weightDecay.push(Number(cell.params.weight_decay));
        rows.seed.push(seed);
      }
    }
  }
  return rows;
}

/** Inserts trials that do not exist yet (identity: sweep, checkpoint, config hash, seed); returns the new ids. */
export async function insertTrials(
  db: Pick<Db, '$queryRaw'>,
  sweepId: string,
  rows: TrialRows,
): Promise<string[]> {
  const inserted = await db.$queryRaw<Array<{ id: string }>>`
    INSERT INTO trials (id, sweep_id, checkpoint_id, config_hash, config, optimizer, lr, weight_decay, seed)
    SELECT r.id, ${sweepId}, r.checkpoint_id, r.config_hash, r.config, r.optimizer, r.lr, r.weight_decay, r.seed
    FROM unnest(${rows.id}::text[], ${rows.checkpointId}::text[], ${rows.configHash}::text[], ${rows.config}::jsonb[],
                ${rows.optimizer}::text[], ${rows.lr}::float8[], ${rows.weightDecay}::float8[], ${rows.seed}::int[])
      AS r(id, checkpoint_id, config_hash, config, optimizer, lr, weight_decay, seed)
    ON CONFLICT (sweep_id, checkpoint_id, config_hash, seed) DO NOTHING
    RETURNING id`;
  return inserted.map((r) => r.id);
}

function checkpointData(sweepId: string, checkpoints: CheckpointSpec[], offset: number) {
  return checkpoints.map((c, i) => ({
    id: checkpointIdOf(sweepId, c.name),
    sweepId,
    name: c.name,
    uri: c.uri,
    format: c.format ?? null,
    prefix: c.prefix ?? null,
    baseline: c.baseline,
    position: offset + i,
  }));
}

/**
 * Stores a planned sweep with all its trials in one transaction, recording the API key that created it. An
 * Idempotency-Key belongs to its API key: with one that key already used, returns the sweep stored under it (and
 * `created: false`) instead of creating another; another key's use of the same string is another sweep. `quotas`:
 * the creating key's quotas (none for admin keys); over one, nothing is stored (QUOTA_EXCEEDED).
 */
export async function createSweep(
  db: Db,
  sweepId: string,
  plan: SweepPlan,
  idempotencyKey?: string,
  createdByKeyId?: string,
  quotas?: KeyQuotas,
): Promise<{ sweepId: string; created: boolean; trialIds: string[] }> {
  const quota = createdByKeyId && quotas ? { keyId: createdByKeyId, quotas } : undefined;
  const owner = createdByKeyId ?? null;
  const existingFor = (key: string) =>
    db.sweep.findFirst({
      where: { idempotencyKey: key, createdByKeyId: owner },
      select: { id: true },
    });
  if (idempotencyKey) {
    const existing = await existingFor(idempotencyKey);
    if (existing) return { sweepId: existing.id, created: false, trialIds: [] };
  }
  try {
    const trialIds = await db.$transaction(
      async (tx) => {
        await lockKeyQuota(tx, quota);
        await tx.sweep.create({
          data: {
            id: sweepId,
            name: plan.spec.name,
            spec: plan.spec as object,
            metricName: plan.spec.metric.name,
            metricGoal: plan.spec.metric.goal,
            trainerKind: plan.spec.trainer.kind,
            idempotencyKey: idempotencyKey ?? null,
            createdByKeyId: owner,
          },
        });
        await tx.checkpoint.createMany({ data: checkpointData(sweepId, plan.spec.checkpoints, 0) });
        const ids = await insertTrials(
          tx,
          sweepId,
          trialRows(sweepId, plan, plan.spec.checkpoints),
        );
        await enforceKeyQuota(tx, quota, { sweeps: 1, trials: ids.length });
        return ids;
      },
      { timeout: 60_000 },
    );
    return { sweepId, created: true, trialIds };
  } catch (err) {
    // Two requests with one idempotency key at the same time: the loser returns the winner's sweep.
    if (idempotencyKey && (err as { code?: string }).code === 'P2002') {
      const existing = await existingFor(idempotencyKey);
      if (existing) return { sweepId: existing.id, created: false, trialIds: [] };
    }
    throw err;
  }
}

/**
 * Who may change a sweep (cancel, retry, extend, delete): an `admin` key, or the `write` key that created it.
 * Sweeps created before keys were recorded (no creator) are steered by admin keys only. Reads are open to every key.
 */
export function mayControlSweep(
  sweep: Pick<StoredSweep, 'createdByKeyId'>,
  key: { id: string; scope: string },
): boolean {
  if (key.scope === 'admin') return true;
  return key.scope === 'write' && sweep.createdByKeyId !== null && sweep.createdByKeyId === key.id;
}

/** Reads a sweep with its checkpoints; throws SWEEP_NOT_FOUND. */
export async function getSweep(db: Db, sweepId: string): Promise<StoredSweep> {
  const sweep = await db.sweep.findUnique({
    where: { id: sweepId },
    include: { checkpoints: { orderBy: { position: 'asc' } } },
  });
  if (!sweep) throw new DomainError('SWEEP_NOT_FOUND', `No sweep with id "${sweepId}".`);
  return {
    ...sweep,
    spec: sweep.spec as unknown as SweepSpec,
    metricGoal: sweep.metricGoal as StoredSweep['metricGoal'],
  };
}

/**
 * Adds new checkpoints and cells to a sweep; existing trials are kept as they are. `quota`: the sweep's key and its
 * quotas (none for admin callers); over it, nothing changes (QUOTA_EXCEEDED).
 */
export async function extendSweep(
  db: Db,
  sweepId: string,
  merged: SweepPlan,
  newCheckpoints: CheckpointSpec[],
  offset: number,
  quota?: QuotaOwner,
): Promise<string[]> {
  return db.$transaction(
    async (tx) => {
      await lockKeyQuota(tx, quota);
      await tx.sweep.update({ where: { id: sweepId }, data: { spec: merged.spec as object } });
      if (newCheckpoints.length)
        await tx.checkpoint.createMany({ data: checkpointData(sweepId, newCheckpoints, offset) });
      const ids = await insertTrials(
        tx,
        sweepId,
        trialRows(sweepId, merged, merged.spec.checkpoints),
      );
      await enforceKeyQuota(tx, quota, { sweeps: 0, trials: ids.length });
      return ids;
    },
    { timeout: 60_000 },
  );
}

/**
 * Retries the sweep's failed trials: queued again with fresh attempts; returns their ids. `quota`: as for
 * {@link extendSweep}.
 */
export async function retryFailedTrials(
  db: Db,
  sweepId: string,
  quota?: QuotaOwner,
): Promise<string[]> {
  const sweep = await getSweep(db, sweepId);
  if (sweep.status === 'cancelled')
    throw new DomainError(
      'SWEEP_CANCELLED',
      `Sweep "${sweepId}" was cancelled; its trials cannot be retried.`,
    );
  return db.$transaction(
    async (tx) => {
      await lockKeyQuota(tx, quota);
      const rows = await tx.$queryRaw<Array<{ id: string }>>`
        UPDATE trials SET state = ${targetState('retryFailed')}, attempts = 0, error = NULL, reason = NULL, output_tail = NULL, worker_id = NULL,
          started_at = NULL, finished_at = NULL, final_metric = NULL, final_metrics = NULL
        WHERE sweep_id = ${sweepId} AND ${inSourceStates('retryFailed')} RETURNING id`;
      await enforceKeyQuota(tx, quota, { sweeps: 0, trials: rows.length });
      return rows.map((r) => r.id);
    },
    { timeout: 60_000 },
  );
}

export interface SweepSummary {
  id: string;
  name: string;
  status: SweepStatus;
  metricName: string;
  metricGoal: Goal;
  trainerKind: string;
  createdAt: Date;
  counts: TrialCounts;
}

/** Sweeps, newest first, with trial counts by state. */
export async function listSweeps(db: Db, limit: number, before?: Date): Promise<SweepSummary[]> {
  const sweeps = await db.sweep.findMany({
    where: before ? { createdAt: { lt: before } } : {},
    orderBy: { createdAt: 'desc' },
    take: limit,
    select: {
      id: true,
      name: true,
      status: true,
      metricName: true,
      metricGoal: true,
      trainerKind: true,
      createdAt: true,
    },
  });
  const counts = await countsBySweep(
    db,
    sweeps.map((s) => s.id),
  );
  return sweeps.map((s) => ({
    ...s,
    status: s.status as SweepStatus,
    metricGoal: s.metricGoal as Goal,
    counts: counts.get(s.id) ?? emptyTrialCounts(),
  }));
}

/** Trial counts by state for each sweep, in one query. */
export async function countsBySweep(db: Db, sweepIds: string[]): Promise<Map<string, TrialCounts>> {
  const rows = await db.$queryRaw<Array<{ sweep_id: string; state: TrialState; n: number }>>`
    SELECT sweep_id, state::text AS state, count(*)::int AS n FROM trials WHERE sweep_id = ANY(${sweepIds}::text[]) GROUP BY 1, 2`;
  const out = new Map<string, TrialCounts>();
  for (const r of rows) {
    const c = out.get(r.sweep_id) ?? emptyTrialCounts();
    c[r.state] = r.n;
    c.total += r.n;
    out.set(r.sweep_id, c);
  }
  return out;
}
