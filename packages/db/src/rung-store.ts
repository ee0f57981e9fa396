/**
 * asha in PostgreSQL: each trial's value at each rung and the decision taken then. A decision is made in one
 * transaction under an advisory lock per (sweep, checkpoint, rung), so two workers reporting the same rung at once
 * are ranked one after the other and cannot both take the last place. A pruned trial leaves `running` in the same
 * transaction, so the decision and the trial's state never disagree, whatever process dies afterwards.
 */
import {
  decidePromotion,
  type Goal,
  isConfirmSeed,
  type PromotionDecision,
  rungEpochs,
  rungPlaces,
  type SweepSpec,
  trialEpochs,
} from '@sweeps/core';
import type { Db } from './client.ts';
import { inSourceStates, targetState } from './trial-moves.ts';

/** What a worker needs to know, once per trial, to report rungs; null when the trial is never pruned. */
export interface PruningPlan {
  rungs: number[];
  metric: string;
}

/** The trial's rungs: none for a grid sweep or a confirm-stage seed (those trials always run to the end). */
export function pruningPlanOf(spec: SweepSpec, seed: number): PruningPlan | null {
  const epochs = trialEpochs(spec.fixed);
  if (spec.strategy.kind !== 'asha' || epochs === null) return null;
  if (isConfirmSeed(spec.seeds, spec.confirm, seed)) return null;
  const rungs = rungEpochs(spec.strategy, epochs);
  return rungs.length > 0 ? { rungs, metric: spec.metric.name } : null;
}

/** The trial's pruning plan, read once when it starts (null for grid sweeps and confirm seeds). */
export async function loadPruningPlan(db: Db, trialId: string): Promise<PruningPlan | null> {
  const [row] = await db.$queryRaw<Array<{ seed: number; spec: SweepSpec }>>`
    SELECT t.seed, s.spec FROM trials t JOIN sweeps s ON s.id = t.sweep_id WHERE t.id = ${trialId}`;
  return row ? pruningPlanOf(row.spec, row.seed) : null;
}

export interface RungDecision extends PromotionDecision {
  epoch: number;
  value: number;
}

/**
 * Records `value` as the trial's value at rung `epoch` and decides whether it goes on; a pruned trial becomes
 * `pruned` (only while `workerId` holds it). Idempotent: a rung already recorded for the trial (a retried
 * attempt, a worker that died after the decision) returns the decision taken then. Null when the trial is not
 * running on `workerId` and has no decision at this rung.
 */
export async function recordRungValue(
  db: Db,
  r: { trialId: string; workerId: string; epoch: number; value: number },
): Promise<RungDecision | null> {
  return db.$transaction(
    async (tx) => {
      const [t] = await tx.$queryRaw<
        Array<{ sweep_id: string; checkpoint_id: string; spec: SweepSpec; mine: boolean }>
      >`
      SELECT t.sweep_id, t.checkpoint_id, s.spec, (t.worker_id = ${r.workerId} AND t.state = 'running') AS mine
      FROM trials t JOIN sweeps s ON s.id = t.sweep_id WHERE t.id = ${r.trialId}`;
      if (t === undefined) return null;
      const strategy = t.spec.strategy;
      if (strategy.kind !== 'asha') return null;
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`${t.sweep_id}/${t.checkpoint_id}`}), ${r.epoch}::int)`;
      const [done] = await tx.$queryRaw<Array<RungRow>>`
      SELECT epoch, value, rank, out_of, promoted, reason FROM trial_rungs
      WHERE trial_id = ${r.trialId} AND epoch = ${r.epoch}`;
      if (done) return fromRow(done, strategy.reduction_factor);
      if (!t.mine) return null;
      const earlier = await tx.$queryRaw<Array<{ trialId: string; value: number }>>`
      SELECT trial_id AS "trialId", value FROM trial_rungs
      WHERE sweep_id = ${t.sweep_id} AND checkpoint_id = ${t.checkpoint_id} AND epoch = ${r.epoch}
      ORDER BY seq`;
      const goal: Goal = t.spec.metric.goal ?? 'maximize';
      const population = await firstRungPopulation(
        tx,
        t.spec,
        t.sweep_id,
        t.checkpoint_id,
        r.epoch,
      );
      const d = decidePromotion(
        r.value,
        earlier,
        strategy.reduction_factor,
        goal,
        r.epoch,
        population,
      );
      await tx.$executeRaw`
      INSERT INTO trial_rungs (trial_id, sweep_id, checkpoint_id, epoch, value, rank, out_of, promoted, reason)
      VALUES (${r.trialId}, ${t.sweep_id}, ${t.checkpoint_id}, ${r.epoch}, ${r.value}::float8, ${d.rank}, ${d.of},
              ${d.promoted}, ${d.reason})`;
      if (!d.promoted) {
        await tx.$executeRaw`
        UPDATE trials SET state = ${targetState('prune')}, error = ${`pruned at epoch ${r.epoch}: ${d.reason}`},
          final_metric = ${r.value}::float8, finished_at = now()
        WHERE id = ${r.trialId} AND worker_id = ${r.workerId} AND ${inSourceStates('prune')}`;
      }
      return { ...d, epoch: r.epoch, value: r.value };
    },
    { maxWait: 10_000, timeout: 20_000 },
  );
}

/**
 * At the sweep's first rung, how many trials report there: the checkpoint's trials with the sweep's own seeds
 * (confirm seeds are never judged). Undefined at later rungs, whose population depends on earlier decisions.
 */
async function firstRungPopulation(
  tx: Pick<Db, '$queryRaw'>,
  spec: SweepSpec,
  sweepId: string,
  checkpointId: string,
  epoch: number,
): Promise<number | undefined> {
  const epochs = trialEpochs(spec.fixed);
  if (epochs === null || rungEpochs(spec.strategy, epochs)[0] !== epoch) return undefined;
  const [row] = await tx.$queryRaw<Array<{ n: number }>>`
    SELECT count(*)::int AS n FROM trials
    WHERE sweep_id = ${sweepId} AND checkpoint_id = ${checkpointId} AND seed = ANY(${spec.seeds}::int[])`;
  return row?.n;
}

interface RungRow {
  epoch: number;
  value: number;
  rank: number;
  out_of: number;
  promoted: boolean;
  reason: string;
}

function fromRow(row: RungRow, reductionFactor: number): RungDecision {
  return {
    epoch: row.epoch,
    value: row.value,
    rank: row.rank,
    of: row.out_of,
    places: rungPlaces(row.out_of, reductionFactor),
    promoted: row.promoted,
    reason: row.reason,
  };
}

/** A trial's recorded rungs, in epoch order. */
export async function trialRungs(db: Db, trialId: string): Promise<RungDecision[]> {
  const rows = await db.$queryRaw<Array<RungRow & { rf: number }>>`
    SELECT r.epoch, r.value, r.rank, r.out_of, r.promoted, r.reason,
           coalesce((s.spec->'strategy'->>'reduction_factor')::int, 3) AS rf
    FROM trial_rungs r JOIN sweeps s ON s.id = r.sweep_id WHERE r.trial_id = ${trialId} ORDER BY r.epoch`;
  return rows.map((row) => fromRow(row, row.rf));
}
