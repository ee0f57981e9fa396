/**
 * The confirm stage in PostgreSQL: when the last trial of a checkpoint with the sweep's own seeds finishes, that
 * checkpoint's top cells get new trials with the confirm seeds. The choice is core's (`confirmCells`) over the
 * sweep's own seeds only, and trials are inserted by identity (`ON CONFLICT DO NOTHING`), so asking twice, from
 * two workers at once, or again after a restart adds each confirm trial exactly once.
 */
import {
  type CellResult,
  confirmCells,
  extraConfirmSeeds,
  FINISHED_STATES,
  type Goal,
  type SweepSpec,
  trialIdOf,
} from '@sweeps/core';
import type { Db } from './client.ts';
import { insertTrials, type TrialRef } from './sweep-store.ts';

interface CellRow {
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
  const confirm = spec.confirm;
  if (!confirm) return [];
  const seeds = extraConfirmSeeds(spec.seeds, confirm);
  const [open] = await db.$queryRaw<Array<{ n: number }>>`
    SELECT count(*)::int AS n FROM trials WHERE sweep_id = ${sweepId} AND checkpoint_id = ${checkpointId} AND seed = ANY(${spec.seeds}::int[])
      AND state <> ALL(${[...FINISHED_STATES]}::"TrialState"[])`;
  if (seeds.length === 0 || (open?.n ?? 1) > 0) return [];
  const cells = await db.$queryRaw<CellRow[]>`
    SELECT config_hash, optimizer, (array_agg(config))[1] AS config, min(lr) AS lr, min(weight_decay) AS weight_decay,
           count(*)::int AS n, avg(final_metric) AS mean, stddev_samp(final_metric) AS std
    FROM trials WHERE sweep_id = ${sweepId} AND checkpoint_id = ${checkpointId} AND seed = ANY(${spec.seeds}::int[]) AND state = 'succeeded'
      AND final_metric NOT IN ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8)
    GROUP BY config_hash, optimizer`;
  const goal: Goal = spec.metric.goal ?? 'maximize';
  const byHash = new Map(cells.map((c) => [c.config_hash, c]));
  const chosen = confirmCells(
    cells.map((c) => asResult(checkpoint, c)),
    confirm,
    goal,
  );
  const rows = chosen.flatMap((r) =>
    seeds.map((seed) => ({ cell: byHash.get(r.configHash)!, seed })),
  );
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
