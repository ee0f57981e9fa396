/**
 * asha in PostgreSQL: each trial's value at each rung and what became of the trial there. A decision is made in one
 * transaction under an advisory lock per (sweep, checkpoint), so two workers reporting the same rung at once are
 * ranked one after the other and cannot both take the last place. A trial's state changes (pruned, paused, queued
 * again) in the same transaction as its rung record, so the two never disagree, whatever process dies afterwards.
 */
import {
  DEFAULT_GOAL,
  type Goal,
  isFinished,
  type PromotionDecision,
  type RungOutcome,
  type RungRanking,
  type RungStanding,
  rungReason,
  type SweepSpec,
  StrategySchema,
  strategyRules,
  TRIAL_STATES,
  type TrialState,
  trialEpochs,
} from '@sweeps/core';
import type { Db } from './client.ts';
import { inSourceStates, targetState } from './trial-moves.ts';

export interface RungDecision extends PromotionDecision {
  epoch: number;
  value: number;
  /** `promoted` (goes on), `paused` (stops and waits: promotion form only) or `pruned`; `promoted` mirrors it. */
  outcome: RungOutcome;
}

/** A paused trial that a rung decision queued again: the caller enqueues its job (it resumes from its snapshot). */
export interface RequeuedTrial {
  trialId: string;
  sweepId: string;
}

/** A rung decision, and the paused trials of the same checkpoint it promoted (to enqueue). */
export interface RecordedRung extends RungDecision {
  requeued: RequeuedTrial[];
}

/** A value reported at a rung by the worker holding the trial. */
export interface RungReport {
  trialId: string;
  workerId: string;
  epoch: number;
  value: number;
  /** Whether the trial may pause at the rung (the promotion form); false: decided at once (stop-or-go). */
  pause?: boolean;
}

/**
 * Records `value` as the trial's value at rung `epoch` and decides what becomes of the trial, only while
 * `workerId` holds it. Two forms:
 * - `pause: false` (stop-or-go, for trainers that cannot resume): it goes on or is pruned at once
 *   ({@link decideAtOnce});
 * - `pause: true` (the promotion form, for trainers that resume from their snapshots): the value is recorded
 *   `paused` and every rung of the checkpoint is settled ({@link recordPaused}); the trial goes on only if
 *   its rung promotes it now, is pruned if its rung is complete and keeps it out, and otherwise stops `paused`
 *   (its attempt not counted) until a later report promotes or prunes it. Other paused trials this report
 *   promotes are returned in `requeued`.
 * Idempotent: a rung already recorded for the trial (a resumed or retried attempt, a worker that died after the
 * decision) returns its recorded outcome. Null when the trial is not running on `workerId` and has no decision at
 * this rung, or its sweep's strategy never ranks trials (grid).
 */
export async function recordRungValue(db: Db, r: RungReport): Promise<RecordedRung | null> {
  return db.$transaction(
    async (tx) => {
      const t = await rungTrial(tx, r);
      const ranking = t && strategyRules(t.spec.strategy).ranking;
      if (!t || !ranking) return null;
      await lockCheckpoint(tx, t.sweep_id, t.checkpoint_id);
      const done = await recordedRung(tx, r.trialId, r.epoch);
      if (done) {
        // A trial running again at a rung where it was left paused (it cannot, unless queued by hand): pause it again.
        if (done.outcome === 'paused' && t.mine) await pauseTrial(tx, r.trialId, r.workerId);
        return { ...fromRow(done, ranking), requeued: [] };
      }
      if (!t.mine) return null;
      return r.pause ? recordPaused(tx, t, ranking, r) : decideAtOnce(tx, t, ranking, r);
    },
    { maxWait: 10_000, timeout: 20_000 },
  );
}

/** The reporting trial: its sweep, checkpoint and spec, and whether `workerId` holds it running. */
interface RungTrial {
  sweep_id: string;
  checkpoint_id: string;
  spec: SweepSpec;
  mine: boolean;
}

async function rungTrial(tx: Tx, r: RungReport): Promise<RungTrial | undefined> {
  const [t] = await tx.$queryRaw<RungTrial[]>`
    SELECT t.sweep_id, t.checkpoint_id, s.spec, (t.worker_id = ${r.workerId} AND t.state = 'running') AS mine
    FROM trials t JOIN sweeps s ON s.id = t.sweep_id WHERE t.id = ${r.trialId}`;
  return t;
}

async function recordedRung(tx: Tx, trialId: string, epoch: number): Promise<RungRow | undefined> {
  const [row] = await tx.$queryRaw<RungRow[]>`
    SELECT epoch, value, rank, out_of, outcome, reason FROM trial_rungs
    WHERE trial_id = ${trialId} AND epoch = ${epoch}`;
  return row;
}

/**
 * The promotion form: the value is recorded `paused`, every rung of the checkpoint is settled, and the trial stops
 * `paused` unless its rung promoted or pruned it meanwhile.
 */
async function recordPaused(
  tx: Tx,
  t: RungTrial,
  ranking: RungRanking,
  r: RungReport,
): Promise<RecordedRung> {
  await tx.$executeRaw`
    INSERT INTO trial_rungs (trial_id, sweep_id, checkpoint_id, epoch, value, rank, out_of, promoted, outcome, reason)
    VALUES (${r.trialId}, ${t.sweep_id}, ${t.checkpoint_id}, ${r.epoch}, ${r.value}::float8, 0, 0, false,
            'paused', '')`;
  const requeued = await settleRungsOf(tx, t, { trialId: r.trialId, workerId: r.workerId });
  const row = (await recordedRung(tx, r.trialId, r.epoch))!;
  if (row.outcome === 'paused') await pauseTrial(tx, r.trialId, r.workerId);
  return { ...fromRow(row, ranking), requeued };
}

/** Stop-or-go: the trial goes on or is pruned at once, ranked against the values recorded before it. */
async function decideAtOnce(
  tx: Tx,
  t: RungTrial,
  ranking: RungRanking,
  r: RungReport,
): Promise<RecordedRung> {
  const earlier = await tx.$queryRaw<Array<{ trialId: string; value: number }>>`
    SELECT trial_id AS "trialId", value FROM trial_rungs
    WHERE sweep_id = ${t.sweep_id} AND checkpoint_id = ${t.checkpoint_id} AND epoch = ${r.epoch}
    ORDER BY seq`;
  const population = await firstRungPopulation(tx, t.spec, t.sweep_id, t.checkpoint_id, r.epoch);
  const d = ranking.decide(r.value, earlier, goalOf(t.spec), r.epoch, population);
  const outcome: RungOutcome = d.promoted ? 'promoted' : 'pruned';
  await tx.$executeRaw`
    INSERT INTO trial_rungs (trial_id, sweep_id, checkpoint_id, epoch, value, rank, out_of, promoted, outcome, reason)
    VALUES (${r.trialId}, ${t.sweep_id}, ${t.checkpoint_id}, ${r.epoch}, ${r.value}::float8, ${d.rank}, ${d.of},
            ${d.promoted}, ${outcome}, ${d.reason})`;
  if (!d.promoted) {
    await tx.$executeRaw`
      UPDATE trials SET state = ${targetState('prune')}, error = ${`pruned at epoch ${r.epoch}: ${d.reason}`},
        final_metric = ${r.value}::float8, finished_at = now()
      WHERE id = ${r.trialId} AND worker_id = ${r.workerId} AND ${inSourceStates('prune')}`;
  }
  return { ...d, epoch: r.epoch, value: r.value, outcome, requeued: [] };
}

/** The sweep's goal (a stored spec always has one; {@link DEFAULT_GOAL} otherwise, as the schema fills in). */
const goalOf = (spec: SweepSpec): Goal => spec.metric.goal ?? DEFAULT_GOAL;

type Tx = Pick<Db, '$queryRaw' | '$executeRaw'>;

/** Trial states that are not finished (queued, running, paused): such a trial may still report at a rung. */
const UNFINISHED = TRIAL_STATES.filter((st) => !isFinished(st));

/** One lock per (sweep, checkpoint): every rung decision of a checkpoint is taken one after the other. */
async function lockCheckpoint(tx: Tx, sweepId: string, checkpointId: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`${sweepId}/${checkpointId}`}), 0)`;
}

/**
 * The holding worker's trial stops at its rung: `paused`, its attempt not counted, its snapshot kept. It keeps its
 * worker and lease, so epochs its trainer finishes while it stops are still stored (until a claim takes it again).
 */
async function pauseTrial(tx: Tx, trialId: string, workerId: string): Promise<void> {
  await tx.$executeRaw`
    UPDATE trials SET state = ${targetState('pause')}, attempts = GREATEST(attempts - 1, 0)
    WHERE id = ${trialId} AND worker_id = ${workerId} AND ${inSourceStates('pause')}`;
}

/**
 * Settles every rung of one checkpoint in ascending order with core's {@link settleRung} (a trial pruned at one
 * rung can complete the next). A rung is complete when every trial of the checkpoint with the sweep's own seeds
 * that is not finished (queued, running or paused) has a value there. Promoted paused trials are queued again
 * (returned, to enqueue); pruned ones become `pruned` with the reason; a `reporter` promoted keeps running, and one
 * pruned is pruned while its worker holds it. Still-paused trials get their current rank as their reason.
 */
async function settleRungsOf(
  tx: Tx,
  t: { sweep_id: string; checkpoint_id: string; spec: SweepSpec },
  reporter?: { trialId: string; workerId: string },
): Promise<RequeuedTrial[]> {
  const epochs = trialEpochs(t.spec.fixed);
  const strategy = strategyRules(t.spec.strategy);
  if (!strategy.ranking || epochs === null) return [];
  const goal = goalOf(t.spec);
  const requeued: RequeuedTrial[] = [];
  for (const epoch of strategy.rungs(epochs)) {
    const rows = await tx.$queryRaw<Array<RungStanding & { state: TrialState }>>`
      SELECT r.trial_id AS "trialId", r.value, r.outcome, tr.state::text AS state
      FROM trial_rungs r JOIN trials tr ON tr.id = r.trial_id
      WHERE r.sweep_id = ${t.sweep_id} AND r.checkpoint_id = ${t.checkpoint_id} AND r.epoch = ${epoch}
      ORDER BY r.seq`;
    // A record left `paused` by a trial that no longer waits there (cancelled, say) counts but is not decided: it
    // goes in as one that cannot go on. Only paused trials and the reporter (still running) are decided.
    const standings: RungStanding[] = rows.map(({ trialId, value, outcome, state }) => ({
      trialId,
      value,
      outcome:
        outcome === 'paused' && state !== 'paused' && trialId !== reporter?.trialId
          ? 'pruned'
          : outcome,
    }));
    if (!standings.some((s) => s.outcome === 'paused')) continue;
    const [open] = await tx.$queryRaw<Array<{ n: number }>>`
      SELECT count(*)::int AS n FROM trials tr
      WHERE tr.sweep_id = ${t.sweep_id} AND tr.checkpoint_id = ${t.checkpoint_id}
        AND tr.seed = ANY(${t.spec.seeds}::int[]) AND tr.state = ANY(${UNFINISHED}::"TrialState"[])
        AND NOT EXISTS (SELECT 1 FROM trial_rungs r WHERE r.trial_id = tr.id AND r.epoch = ${epoch})`;
    const complete = open!.n === 0;
    const s = strategy.ranking.settle(standings, goal, complete);
    const n = standings.length;
    const reasonOf = (id: string) => rungReason(s.rank.get(id)!, n, s.places, epoch, complete);
    for (const id of s.promote) {
      await tx.$executeRaw`
        UPDATE trial_rungs SET outcome = 'promoted', promoted = true, rank = ${s.rank.get(id)!}, out_of = ${n},
          reason = ${reasonOf(id)}
        WHERE trial_id = ${id} AND epoch = ${epoch}`;
      if (id === reporter?.trialId) continue;
      const moved = await tx.$queryRaw<Array<{ id: string }>>`
        UPDATE trials SET state = ${targetState('promote')}
        WHERE id = ${id} AND ${inSourceStates('promote')} RETURNING id`;
      if (moved.length > 0) requeued.push({ trialId: id, sweepId: t.sweep_id });
    }
    for (const id of s.prune) {
      const st = standings.find((x) => x.trialId === id)!;
      await tx.$executeRaw`
        UPDATE trial_rungs SET outcome = 'pruned', rank = ${s.rank.get(id)!}, out_of = ${n}, reason = ${reasonOf(id)}
        WHERE trial_id = ${id} AND epoch = ${epoch}`;
      await tx.$executeRaw`
        UPDATE trials SET state = ${targetState('prune')}, error = ${`pruned at epoch ${epoch}: ${reasonOf(id)}`},
          final_metric = ${st.value}::float8, finished_at = now()
        WHERE id = ${id} AND ${inSourceStates('prune')}
          AND (state = 'paused' OR worker_id = ${reporter?.workerId ?? ''})`;
    }
    // the trials still waiting: their standing now, in one statement however many there are
    const decided = new Set([...s.promote, ...s.prune]);
    const waiting = standings
      .filter((st) => st.outcome === 'paused' && !decided.has(st.trialId))
      .map((st) => st.trialId);
    if (waiting.length > 0) {
      await tx.$executeRaw`
        UPDATE trial_rungs r SET rank = w.rank, out_of = ${n}, reason = w.reason
        FROM unnest(${waiting}::text[], ${waiting.map((id) => s.rank.get(id)!)}::int[],
                    ${waiting.map(reasonOf)}::text[]) AS w(trial_id, rank, reason)
        WHERE r.trial_id = w.trial_id AND r.epoch = ${epoch}`;
    }
  }
  return requeued;
}

/**
 * Settles the rungs of every checkpoint that has paused trials in an active sweep (of `sweepId` only, when given),
 * each in its own transaction under the checkpoint's lock: a trial that ended without reaching a rung (failed,
 * cancelled) can complete it. Run after a trial of an asha sweep fails for good and by the reconcile loop. Returns
 * the trials it queued again, to enqueue.
 */
export async function settlePausedTrials(db: Db, sweepId?: string): Promise<RequeuedTrial[]> {
  const pairs = await db.$queryRaw<Array<{ sweep_id: string; checkpoint_id: string }>>`
    SELECT DISTINCT t.sweep_id, t.checkpoint_id FROM trials t JOIN sweeps s ON s.id = t.sweep_id
    WHERE t.state = 'paused' AND s.status = 'active'
      AND (${sweepId ?? null}::text IS NULL OR t.sweep_id = ${sweepId ?? null})`;
  const requeued: RequeuedTrial[] = [];
  for (const p of pairs) {
    const got = await db.$transaction(
      async (tx) => {
        await lockCheckpoint(tx, p.sweep_id, p.checkpoint_id);
        const [row] = await tx.$queryRaw<Array<{ spec: SweepSpec }>>`
          SELECT spec FROM sweeps WHERE id = ${p.sweep_id}`;
        return row ? settleRungsOf(tx, { ...p, spec: row.spec }) : [];
      },
      { maxWait: 10_000, timeout: 20_000 },
    );
    requeued.push(...got);
  }
  return requeued;
}

/**
 * At the sweep's first rung, how many trials report there: the checkpoint's trials with the sweep's own seeds
 * (confirm seeds are never judged). Undefined at later rungs, whose population depends on earlier decisions.
 */
async function firstRungPopulation(
  tx: Tx,
  spec: SweepSpec,
  sweepId: string,
  checkpointId: string,
  epoch: number,
): Promise<number | undefined> {
  const epochs = trialEpochs(spec.fixed);
  if (epochs === null || strategyRules(spec.strategy).rungs(epochs)[0] !== epoch) return undefined;
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
  outcome: RungOutcome;
  reason: string;
}

function fromRow(row: RungRow, ranking: RungRanking): RungDecision {
  return {
    epoch: row.epoch,
    value: row.value,
    rank: row.rank,
    of: row.out_of,
    places: ranking.places(row.out_of),
    promoted: row.outcome === 'promoted',
    outcome: row.outcome,
    reason: row.reason,
  };
}

/** A trial's recorded rungs, in epoch order. */
export async function trialRungs(db: Db, trialId: string): Promise<RungDecision[]> {
  const rows = await db.$queryRaw<Array<RungRow & { strategy: unknown }>>`
    SELECT r.epoch, r.value, r.rank, r.out_of, r.outcome, r.reason, s.spec->'strategy' AS strategy
    FROM trial_rungs r JOIN sweeps s ON s.id = r.sweep_id WHERE r.trial_id = ${trialId} ORDER BY r.epoch`;
  return rows.flatMap((row) => {
    // the stored strategy, its defaults filled in as at submission; only a ranking strategy records rungs
    const ranking = strategyRules(StrategySchema.parse(row.strategy)).ranking;
    return ranking ? [fromRow(row, ranking)] : [];
  });
}
