/**
 * The confirm stage in PostgreSQL: when the last trial of a checkpoint with the sweep's own seeds finishes, that
 * checkpoint's top cells get new trials with the confirm seeds. The choice is core's (`confirmCells`) over the
 * sweep's own seeds only, and trials are inserted by identity (`ON CONFLICT DO NOTHING`), so asking twice, from
 * two workers at once, or again after a restart adds each confirm trial exactly once.
 */
import {
  type CellResult,
  confirmTrialKey,
  confirmTrials,
  DEFAULT_GOAL,
  extraConfirmSeeds,
  FINISHED_STATES,
  missingConfirmTrials,
  type SweepSpec,
  trialIdOf,
} from '@sweeps/core';
import type { Db } from './client.ts';
import { insertTrials, type TrialRef } from './sweep-store.ts';

interface CellRow {
  sweep_id: string;
  checkpoint_id: string;
  config_hash: string;
  optimizer: string;
  config: { optimizer: string; params: Record<string, number> };
  lr: number;
  weight_decay: number;
  n: number;
  mean: number;
  std: number | null;
}

/**
 * Adds the confirm trials of the checkpoint that `trialId` belongs to, if its sweep has a confirm stage, is
 * active, and every trial of that checkpoint with the sweep's own seeds has finished. Returns the new trials
 * (none when it is not time yet or they exist already); the caller enqueues them (reconcile would otherwise).
 */
export async function addConfirmTrials(db: Db, trialId: string): Promise<TrialRef[]> {
  const [t] = await db.$queryRaw<
    Array<{ sweep_id: string; checkpoint_id: string; checkpoint: string; spec: SweepSpec }>
  >`
    SELECT t.sweep_id, t.checkpoint_id, c.name AS checkpoint, s.spec
    FROM trials t JOIN sweeps s ON s.id = t.sweep_id JOIN checkpoints c ON c.id = t.checkpoint_id
    WHERE t.id = ${trialId} AND s.status = 'active' AND s.spec->'confirm' IS NOT NULL`;
  if (!t) return [];
  return addForCheckpoint(db, t.sweep_id, t.checkpoint_id, t.checkpoint, t.spec);
}

/**
 * Every checkpoint of an active sweep with a confirm stage whose own-seed trials have all finished and that has
 * no confirm trial yet: the reconcile loop's catch-up for a worker that died before asking. Returns new trials.
 */
export async function addDueConfirmTrials(db: Db): Promise<TrialRef[]> {
  const due = await db.$queryRaw<
    Array<{ sweep_id: string; checkpoint_id: string; checkpoint: string; spec: SweepSpec }>
  >`
    SELECT s.id AS sweep_id, c.id AS checkpoint_id, c.name AS checkpoint, s.spec
    FROM sweeps s JOIN checkpoints c ON c.sweep_id = s.id
    WHERE s.status = 'active' AND s.spec->'confirm' IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM trials t WHERE t.sweep_id = s.id AND t.checkpoint_id = c.id
        AND (t.state <> ALL(${[...FINISHED_STATES]}::"TrialState"[])
             OR NOT t.seed = ANY(SELECT jsonb_array_elements_text(s.spec->'seeds')::int)))`;
  const added: TrialRef[] = [];
  for (const d of due) {
    added.push(...(await addForCheckpoint(db, d.sweep_id, d.checkpoint_id, d.checkpoint, d.spec)));
  }
  return added;
}

async function addForCheckpoint(
  db: Db,
  sweepId: string,
  checkpointId: string,
  checkpoint: string,
  spec: SweepSpec,
): Promise<TrialRef[]> {
  if (!spec.confirm || extraConfirmSeeds(spec.seeds, spec.confirm).length === 0) return [];
  const [open] = await db.$queryRaw<Array<{ n: number }>>`
    SELECT count(*)::int AS n FROM trials WHERE sweep_id = ${sweepId} AND checkpoint_id = ${checkpointId} AND seed = ANY(${spec.seeds}::int[])
      AND state <> ALL(${[...FINISHED_STATES]}::"TrialState"[])`;
  if ((open?.n ?? 1) > 0) return [];
  const cells = await ownSeedCells(db, [sweepId], checkpointId);
  const byHash = new Map(cells.map((c) => [c.config_hash, c]));
  const rows = confirmTrials(
    cells.map((c) => asResult(checkpoint, c)),
    spec.confirm,
    spec.metric.goal ?? DEFAULT_GOAL,
    spec.seeds,
  ).map((t) => ({ cell: byHash.get(t.cell.configHash)!, seed: t.seed }));
  const ids = await insertTrials(db, sweepId, {
    id: rows.map((r) => trialIdOf(sweepId, checkpoint, r.cell.config_hash, r.seed)),
    checkpointId: rows.map(() => checkpointId),
    configHash: rows.map((r) => r.cell.config_hash),
    config: rows.map((r) => JSON.stringify(r.cell.config)),
    optimizer: rows.map((r) => r.cell.optimizer),
    lr: rows.map((r) => r.cell.lr),
    weightDecay: rows.map((r) => r.cell.weight_decay),
    seed: rows.map((r) => r.seed),
  });
  return ids.map((id) => ({ id, sweepId }));
}

/**
 * Per (sweep, checkpoint, cell): the results of the sweep's own seeds that ran to the end (succeeded with a finite
 * final metric), which the confirm stage chooses from; one checkpoint's only, or every checkpoint's when null.
 */
async function ownSeedCells(
  db: Db,
  sweepIds: string[],
  checkpointId: string | null,
): Promise<CellRow[]> {
  return db.$queryRaw<CellRow[]>`
    SELECT t.sweep_id, t.checkpoint_id, t.config_hash, t.optimizer, (array_agg(t.config))[1] AS config,
           min(t.lr) AS lr, min(t.weight_decay) AS weight_decay,
           count(*)::int AS n, avg(t.final_metric) AS mean, stddev_samp(t.final_metric) AS std
    FROM trials t JOIN sweeps s ON s.id = t.sweep_id
    WHERE t.sweep_id = ANY(${sweepIds}::text[]) AND (${checkpointId}::text IS NULL OR t.checkpoint_id = ${checkpointId})
      AND t.seed IN (SELECT jsonb_array_elements_text(s.spec->'seeds')::int) AND t.state = 'succeeded'
      AND t.final_metric NOT IN ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8)
    GROUP BY t.sweep_id, t.checkpoint_id, t.config_hash, t.optimizer`;
}

/**
 * Per sweep, the confirm trials its checkpoints are due but do not have yet (core's `missingConfirmTrials`):
 * above 0, its confirm stage is about to add trials, so a sweep whose trials have all finished is not finished
 * (core's `sweepPhase`). Ask only for sweeps whose trials have all finished: a checkpoint with own-seed trials
 * still to run is counted as if they were done. Sweeps without a confirm stage, or cancelled, are left out (0).
 */
export async function missingConfirmTrialsBySweep(
  db: Db,
  sweepIds: string[],
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const sweeps = await db.$queryRaw<Array<{ id: string; spec: SweepSpec }>>`
    SELECT id, spec FROM sweeps
    WHERE id = ANY(${sweepIds}::text[]) AND status = 'active' AND spec->'confirm' IS NOT NULL`;
  if (sweeps.length === 0) return out;
  const ids = sweeps.map((s) => s.id);
  const cells = await ownSeedCells(db, ids, null);
  const existing = await db.$queryRaw<
    Array<{ sweep_id: string; checkpoint_id: string; config_hash: string; seed: number }>
  >`
    SELECT t.sweep_id, t.checkpoint_id, t.config_hash, t.seed FROM trials t JOIN sweeps s ON s.id = t.sweep_id
    WHERE t.sweep_id = ANY(${ids}::text[])
      AND t.seed NOT IN (SELECT jsonb_array_elements_text(s.spec->'seeds')::int)`;
  const have = byCheckpoint(existing);
  for (const s of sweeps) {
    for (const [key, rows] of byCheckpoint(cells.filter((c) => c.sweep_id === s.id))) {
      const keys = new Set(
        (have.get(key) ?? []).map((t) => confirmTrialKey(t.config_hash, t.seed)),
      );
      const missing = missingConfirmTrials(
        rows.map((c) => asResult(c.checkpoint_id, c)),
        s.spec.confirm,
        s.spec.metric.goal ?? DEFAULT_GOAL,
        s.spec.seeds,
        keys,
      );
      out.set(s.id, (out.get(s.id) ?? 0) + missing);
    }
  }
  return out;
}

/** Rows by (sweep, checkpoint). */
function byCheckpoint<T extends { sweep_id: string; checkpoint_id: string }>(rows: T[]) {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const key = `${r.sweep_id}/${r.checkpoint_id}`;
    out.set(key, [...(out.get(key) ?? []), r]);
  }
  return out;
}

function asResult(checkpoint: string, c: CellRow): CellResult {
  return {
    checkpoint,
    optimizer: c.optimizer,
    configHash: c.config_hash,
    params: c.config.params,
    n: c.n,
    mean: c.mean,
    std: c.std,
  };
}
