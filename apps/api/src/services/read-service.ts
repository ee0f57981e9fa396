/** Reads: sweeps (status and phase), trials, grid, best-setting table, exports and workers. */
import {
  bestTableToCsv,
  bestTableToMarkdown,
  buildBestTable,
  gridToCsv,
  gridToMarkdown,
  emptyTrialCounts,
  failureReasonOf,
  fullGridEpochs,
  OPTIMIZERS,
  sweepPhase,
  type SweepPhase,
  type SweepSpec,
  type SweepStatus,
  type TrialCounts,
} from '@sweeps/core';
import {
  BestTableSchema,
  type GridValue,
  SweepSchema,
  type WorkerLiveness,
} from '@sweeps/api-client';
import {
  bestCellResults,
  bestEpochCellResults,
  bestMeanBySweep,
  countsBySweep,
  sweepEpochsRun,
  gridCellResults,
  getSweep,
  getTrial,
  listSweeps,
  listTrials,
  listWorkers,
  missingConfirmTrialsBySweep,
  type PausedAt,
  pausedRungsOf,
  sweepReadVersion,
  trialRungs,
  type KeyScope,
  type TrialListFilter,
} from '@sweeps/db';
import type { z } from 'zod';
import { scopeAllows } from '../auth.ts';
import type { ApiDeps } from './deps.ts';
import { bodyThreadsOf } from './body-threads.ts';
import { gridOf, type PackedGridInputs, unpackGridInputs } from './grid-body.ts';
import { talliesOf } from './grid-tally.ts';
import { readsOf } from './interval-reads.ts';
import { ReadCache } from './read-cache.ts';
import { CHECK_SHARED_BODIES, SharedJson } from './shared-json.ts';

/** `compute()`'s result as a shared JSON body (checked against `schema` under tests; see CHECK_SHARED_BODIES). */
async function jsonOf<T>(schema: z.ZodType<T>, compute: () => Promise<T>): Promise<SharedJson> {
  const body = await compute();
  return new SharedJson(JSON.stringify(CHECK_SHARED_BODIES ? schema.parse(body) : body));
}

/**
 * {@link sweepView} as JSON text: computed at most once per read interval for all readers of the sweep (see
 * IntervalReads); write keys and read-only keys (which see `trainer.env` redacted) each have their own text.
 */
export function sweepJson(deps: ApiDeps, sweepId: string, caller: { scope: KeyScope }) {
  const writer = scopeAllows(caller.scope, 'write');
  return readsOf(deps).json(sweepId, 'sweep', `sweep/${sweepId}/${writer ? 'w' : 'r'}`, () =>
    jsonOf(SweepSchema, () => sweepView(deps, sweepId, caller)),
  );
}

/**
 * A sweep as `caller` may see it: `trainer.env` values only for a key that may write (read-only keys, such as a
 * dashboard's, see the names with values redacted).
 */
export async function sweepView(deps: ApiDeps, sweepId: string, caller: { scope: KeyScope }) {
  const sweep = await getSweep(deps.db, sweepId);
  const counts = (await countsBySweep(deps.db, [sweepId])).get(sweepId) ?? emptyTrialCounts();
  const epochsRun = await sweepEpochsRun(deps.db, sweepId); // a sum kept by the epoch writes
  const phases = await sweepPhases(deps, [{ id: sweep.id, status: sweep.status, counts }]);
  return {
    id: sweep.id,
    name: sweep.name,
    status: sweep.status,
    phase: phases.get(sweep.id)!,
    metric: { name: sweep.metricName, goal: sweep.metricGoal },
    trainer: sweep.trainerKind,
    createdAt: sweep.createdAt.toISOString(),
    counts,
    checkpoints: sweep.checkpoints.map((c) => ({ name: c.name, uri: c.uri, baseline: c.baseline })),
    epochs_run: epochsRun,
    epochs_full_grid: fullGridEpochs(sweep.spec), // the grid's own trials, from the spec: nothing to count
    spec: scopeAllows(caller.scope, 'write')
      ? (sweep.spec as unknown as Record<string, unknown>)
      : redactTrainerEnv(sweep.spec as unknown as Record<string, unknown>),
    createdByKeyId: sweep.createdByKeyId,
  };
}

/**
 * Sweeps' phases (core's `sweepPhase`). A sweep whose trials have all finished is still `running` while its
 * confirm stage has trials to add; only such sweeps cost the extra query.
 */
async function sweepPhases(
  deps: ApiDeps,
  sweeps: ReadonlyArray<{ id: string; status: SweepStatus; counts: TrialCounts }>,
): Promise<Map<string, SweepPhase>> {
  const allDone = sweeps.filter((s) => sweepPhase(s.status, s.counts) === 'finished');
  const missing =
    allDone.length > 0
      ? await missingConfirmTrialsBySweep(
          deps.db,
          allDone.map((s) => s.id),
        )
      : new Map<string, number>();
  return new Map(sweeps.map((s) => [s.id, sweepPhase(s.status, s.counts, missing.get(s.id))]));
}

export async function sweepsView(deps: ApiDeps, limit: number, before?: string) {
  const rows = await listSweeps(deps.db, limit, before ? new Date(before) : undefined);
  const best = await bestMeanBySweep(deps.db, rows);
  const phases = await sweepPhases(deps, rows);
  return {
    sweeps: rows.map((s) => ({
      ...s,
      counts: s.counts,
      createdAt: s.createdAt.toISOString(),
      phase: phases.get(s.id)!,
      best: best.get(s.id) ?? null,
    })),
    nextBefore: rows.length === limit ? rows[rows.length - 1]!.createdAt.toISOString() : null,
  };
}

function finiteOrNull(v: number | null): number | null {
  return v !== null && Number.isFinite(v) ? v : null;
}

type TrialRow = Awaited<ReturnType<typeof listTrials>>['trials'][number];

/** A trial as the API lists it; `pausedAt`: where a paused trial waits (from {@link pausedRungsOf}). */
function trialSummary(t: TrialRow, pausedAt: PausedAt | undefined) {
  return {
    id: t.id,
    checkpoint: t.checkpoint.name,
    optimizer: t.optimizer,
    params: (t.config as { params: Record<string, number | boolean> }).params,
    seed: t.seed,
    configHash: t.configHash,
    state: t.state,
    pausedAt: t.state === 'paused' ? (pausedAt ?? null) : null,
    attempts: t.attempts,
    worker: t.workerId,
    finalMetric: finiteOrNull(t.finalMetric),
    error: t.error,
    reason: failureReasonOf(t.reason),
    backend: t.backend,
    device: t.device,
    startedAt: t.startedAt?.toISOString() ?? null,
    finishedAt: t.finishedAt?.toISOString() ?? null,
  };
}

/** The paused trials among `trials`: only they wait at a rung (usually none, and then nothing is read). */
function pausedIds(trials: ReadonlyArray<{ id: string; state: string }>): string[] {
  return trials.filter((t) => t.state === 'paused').map((t) => t.id);
}

export async function trialsView(deps: ApiDeps, f: TrialListFilter) {
  await getSweep(deps.db, f.sweepId);
  const page = await listTrials(deps.db, f);
  const waits = await pausedRungsOf(deps.db, pausedIds(page.trials));
  return {
    trials: page.trials.map((t) => trialSummary(t, waits.get(t.id))),
    nextCursor: page.nextCursor,
  };
}

/** A trial with one page of its epochs (`page`: by default the first 1,000; see db's `readTrialMetrics`). */
export async function trialView(
  deps: ApiDeps,
  sweepId: string,
  trialId: string,
  lease?: number,
  page: { from?: number | undefined; limit?: number | undefined } = {},
) {
  const [t, rungs] = await Promise.all([
    // epochs merged by PostgreSQL, one page of at most 1,000
    getTrial(deps.db, sweepId, trialId, lease, {
      ...(page.from === undefined ? {} : { from: page.from }),
      ...(page.limit === undefined ? {} : { limit: page.limit }),
    }),
    trialRungs(deps.db, trialId),
  ]);
  const metricLeases = t.metricLeases.map((l) => ({ ...l, current: l.lease === t.metricsCurrent }));
  // where a paused trial waits: its latest rung record that says so (as pausedRungsOf reads it for lists)
  const waiting = rungs.filter((r) => r.outcome === 'paused').at(-1);
  const pausedAt = waiting && {
    epoch: waiting.epoch,
    value: finiteOrNull(waiting.value),
  };
  return {
    ...trialSummary(t, pausedAt),
    checkpointUri: t.checkpoint.uri,
    finalMetrics: t.finalMetrics as Record<string, unknown> | null,
    outputTail: t.outputTail,
    epochsLease: t.metricsLease,
    metricLeases,
    // `epochsAttempt` and `metricAttempts` (entries with `attempt`) are the deprecated first names of `epochsLease`
    // and `metricLeases`, sent as well until clients have moved.
    epochsAttempt: t.metricsLease,
    metricAttempts: metricLeases.map(({ lease, ...rest }) => ({ attempt: lease, ...rest })),
    epochs: t.epochs,
    epochsTruncated: t.epochsTruncated,
    epochsNextFrom: t.epochsNextFrom,
    rungs: rungs.map(({ epoch, value, rank, of, outcome, reason }) => ({
      epoch,
      value: finiteOrNull(value),
      rank,
      of,
      outcome,
      reason,
    })),
  };
}

function gridAxes(spec: SweepSpec) {
  return OPTIMIZERS.flatMap((o) => {
    const lists = spec.space.optimizer[o];
    return lists ? [{ optimizer: o, lrs: lists.lr, weightDecays: lists.weight_decay }] : [];
  });
}

/**
 * What the grid of `sweepId` is made of, packed for the body thread: `value` picks each trial's final metric
 * (from the per-cell statistics) or its best epoch's (from the per-epoch metrics); the per-cell counts come from
 * the grid tally.
 */
async function gridInputs(
  deps: ApiDeps,
  sweepId: string,
  value: GridValue,
): Promise<PackedGridInputs> {
  const sweep = await getSweep(deps.db, sweepId);
  const [results, counts] = await Promise.all([
    value === 'final'
      ? gridCellResults(deps.db, sweepId, sweep.metricGoal)
      : bestEpochCellResults(deps.db, sweepId, sweep.metricName, sweep.metricGoal),
    talliesOf(deps).packed(sweepId), // kept up to date from the sweep's events (SQL's gridCellCounts without them)
  ]);
  return {
    metric: sweep.metricName,
    goal: sweep.metricGoal,
    value,
    checkpoints: sweep.checkpoints.map((c) => ({ name: c.name, baseline: c.baseline })),
    axes: gridAxes(sweep.spec),
    results: JSON.stringify(results),
    counts,
  };
}

/** The lr x weight-decay matrices with each grid cell's state and trial counts (see {@link gridInputs}). */
export async function gridView(deps: ApiDeps, sweepId: string, value: GridValue = 'final') {
  return gridOf(unpackGridInputs(await gridInputs(deps, sweepId, value)));
}

const readCaches = new WeakMap<ApiDeps, ReadCache<SharedJson>>();
function readCache(deps: ApiDeps): ReadCache<SharedJson> {
  let c = readCaches.get(deps);
  if (!c) readCaches.set(deps, (c = new ReadCache<SharedJson>(undefined, (body) => body.size)));
  return c;
}

/**
 * `compute()`'s text, served from the read cache while the sweep's version is unchanged. The version is read
 * first, so a change that lands during the computation only makes the next request recompute. A missing sweep
 * is left to `compute()` (it answers 404).
 */
async function versioned(
  deps: ApiDeps,
  sweepId: string,
  key: string,
  compute: () => Promise<SharedJson>,
): Promise<SharedJson> {
  const version = await sweepReadVersion(deps.db, sweepId);
  if (version === null) return compute();
  const kept = readCache(deps).get(key, version);
  if (kept !== undefined) return kept;
  const text = await compute();
  readCache(deps).set(key, version, text);
  return text;
}

/**
 * {@link gridView} as a shared JSON body, made in the API's body thread (never on the event loop): computed at
 * most once per read interval for all readers (see IntervalReads) and, for final values, kept while the sweep
 * does not change (see ReadCache). Best-epoch values follow every epoch write, which changes no version, so they
 * are computed once per interval.
 */
export function gridJson(deps: ApiDeps, sweepId: string, value: GridValue = 'final') {
  const compute = async () => bodyThreadsOf(deps).grid(await gridInputs(deps, sweepId, value));
  return readsOf(deps).json(sweepId, 'grid', `grid/${sweepId}/${value}`, () =>
    value === 'final' ? versioned(deps, sweepId, `grid/${sweepId}`, compute) : compute(),
  );
}

/**
 * {@link bestView} as JSON text, computed at most once per read interval; final values are kept while the sweep
 * is unchanged, best-epoch values (which follow every epoch write) are computed once per interval, as the grid's.
 */
export function bestJson(deps: ApiDeps, sweepId: string, value: GridValue = 'final') {
  const compute = () => jsonOf(BestTableSchema, () => bestView(deps, sweepId, value));
  return readsOf(deps).json(sweepId, 'best', `best/${sweepId}/${value}`, () =>
    value === 'final' ? versioned(deps, sweepId, `best/${sweepId}`, compute) : compute(),
  );
}

/**
 * The best setting per checkpoint with its gain, interval and runner-up, ranking each trial's final value or (with
 * `best_epoch`) its best epoch's value of the sweep's metric, as the grid of the same value does.
 */
export async function bestView(deps: ApiDeps, sweepId: string, value: GridValue = 'final') {
  const sweep = await getSweep(deps.db, sweepId);
  const results =
    value === 'final'
      ? await bestCellResults(deps.db, sweepId, sweep.metricGoal)
      : await bestEpochCellResults(deps.db, sweepId, sweep.metricName, sweep.metricGoal);
  const table = buildBestTable(sweep.checkpoints, results, sweep.metricName, sweep.metricGoal);
  // `status` is the deprecated first name of `outcome`, sent as well until clients have moved
  return { ...table, rows: table.rows.map((r) => ({ ...r, status: r.outcome })) };
}

/** The best table or the grid as CSV or Markdown text, of final or best-epoch values. */
export async function exportView(
  deps: ApiDeps,
  sweepId: string,
  table: 'best' | 'grid',
  format: 'csv' | 'md',
  value: GridValue = 'final',
): Promise<string> {
  // Markdown says which value it holds when it is not the default (CSV keeps its columns as they are)
  const said = value === 'best_epoch' ? "Values: each trial's best epoch of the metric.\n\n" : '';
  if (table === 'best') {
    const best = await bestView(deps, sweepId, value);
    return format === 'csv' ? bestTableToCsv(best) : said + bestTableToMarkdown(best);
  }
  const grid = await gridView(deps, sweepId, value);
  return format === 'csv'
    ? gridToCsv(grid.matrices, grid.metric)
    : said + gridToMarkdown(grid.matrices, grid.metric);
}

/** A worker's liveness: stopped (it said so), lost (no heartbeat for longer than the lost limit) or alive. */
function liveness(
  w: { stoppedAt: Date | null; lastHeartbeatAt: Date },
  now: number,
  lostMs: number,
): WorkerLiveness {
  if (w.stoppedAt) return 'stopped';
  return now - w.lastHeartbeatAt.getTime() > lostMs ? 'lost' : 'alive';
}

/** A liveness as the deprecated `status` field says it. */
const DEPRECATED_LIVENESS_STATUS = {
  alive: 'alive',
  lost: 'silent',
  stopped: 'stopped',
} as const satisfies Record<WorkerLiveness, string>;

export async function workersView(deps: ApiDeps) {
  const workers = await listWorkers(deps.db, deps.workerLostMs * 4);
  const now = Date.now();
  return {
    workers: workers.map((w) => ({
      id: w.id,
      host: w.host,
      slots: w.slots,
      devices: w.devices,
      pid: w.pid,
      startedAt: w.startedAt.toISOString(),
      lastHeartbeatAt: w.lastHeartbeatAt.toISOString(),
      liveness: liveness(w, now, deps.workerLostMs),
      // `status` (with `silent` for `lost`) is the deprecated first name of `liveness`, sent until clients have moved
      status: DEPRECATED_LIVENESS_STATUS[liveness(w, now, deps.workerLostMs)],
      running: w.running.map((t) => ({
        trialId: t.id,
        sweepId: t.sweepId,
        startedAt: t.startedAt?.toISOString() ?? null,
      })),
    })),
  };
}

/**
 * A sweep's spec as read-only keys see it: `trainer.env` values may hold credentials (a dataset token), so they
 * see the names only; write keys, which could submit such values themselves, see them.
 */
export function redactTrainerEnv(spec: Record<string, unknown>): Record<string, unknown> {
  const trainer = spec.trainer as { env?: Record<string, string> } | undefined;
  if (!trainer?.env) return spec;
  const env = Object.fromEntries(Object.keys(trainer.env).map((k) => [k, '(redacted)']));
  return { ...spec, trainer: { ...trainer, env } };
}
