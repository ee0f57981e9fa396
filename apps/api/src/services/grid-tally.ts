/**
 * The grid's per-cell counts by state, kept up to date as trials report instead of recomputed at each read
 * (issue 27). A sweep's tally is read once (each trial's grid cell and state) when its grid is first read; after
 * that every sweep event that names one trial moves that trial's count from its old state to its new one. An
 * event the tally cannot apply (a statement that moved many trials, a trial it does not know) makes it read the
 * sweep again at its next use, and so does a write through this API (see IntervalReads.invalidate).
 *
 * It is only trusted while the API's event listener holds LISTEN: it starts following then, and forgets every
 * tally when the connection drops (reads fall back to `gridCellCounts`, the recomputation in SQL, until LISTEN
 * holds again). Events are "trial T is now in state S", so applying one that the first read already saw changes
 * nothing; the events that arrive while a tally is read are held and applied after it, in order.
 *
 * Each API replica keeps its own tallies from its own LISTEN connection: every replica is told every event, so
 * none is behind another by more than the time a notification takes.
 */
import { type GridCellCounts, TRIAL_STATES, type TrialState } from '@sweeps/core';
import {
  type Db,
  gridCellCounts,
  gridCellNotes,
  type SweepEventRow,
  trialCellStates,
  uncountedSuccesses,
} from '@sweeps/db';
import type { ApiDeps } from './deps.ts';
import { type PackedCounts, packCounts, packedKeys, SLOTS, unpackCounts } from './grid-body.ts';
import { readsOf } from './interval-reads.ts';

interface Cell {
  checkpoint: string;
  optimizer: string;
  lr: number;
  weightDecay: number;
  counts: Record<TrialState, number>;
}

/** A trial as the tally holds it; `counted: false` for a success the grid does not count (non-finite metric). */
interface Trial {
  cell: Cell;
  state: TrialState;
  counted: boolean;
}

interface SweepTally {
  trials: Map<string, Trial>;
  cells: Map<string, Cell>;
  /** The cells in the order of `keys`, the packed keys (see PackedCounts), made once per read of the sweep. */
  order: Cell[];
  keys: string;
  /** Trials that succeeded since the last read: whether their metric counts is asked at the next read. */
  unchecked: Set<string>;
  /** Events that arrived while the first read ran (applied after it); null once it is done. */
  held: SweepEventRow[] | null;
  loaded: Promise<void>;
  /** An event could not be applied: the next read reads the sweep again. */
  stale: boolean;
  usedAt: number;
}

/** Tallies not read for this long are dropped (each holds one entry per trial of its sweep). */
const KEEP_MS = 60_000;

const STATES: ReadonlySet<string> = new Set(TRIAL_STATES);
/** The states whose cells carry notes (reason, rungs) that events do not tell. */
const NOTED_STATES = ['failed', 'pruned', 'paused'] as const satisfies readonly TrialState[];

function cellKey(c: { checkpoint: string; optimizer: string; lr: number; weightDecay: number }) {
  return `${c.checkpoint}\u0000${c.optimizer}\u0000${c.lr}\u0000${c.weightDecay}`;
}

function zeroCounts(): Record<TrialState, number> {
  return Object.fromEntries(TRIAL_STATES.map((s) => [s, 0])) as Record<TrialState, number>;
}

export class GridTallies {
  private following = false;
  private readonly sweeps = new Map<string, SweepTally>();
  /** How many times a sweep's trials were read in full (for tests and metrics). */
  loads = 0;

  constructor(
    private readonly db: Db,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Whether tallies are in use: the event listener holds LISTEN. */
  get isFollowing(): boolean {
    return this.following;
  }

  /**
   * The listener holds LISTEN (`true`: no event is missed from now on) or lost its connection (`false`). Either
   * way every tally is forgotten: events may have been missed before.
   */
  setFollowing(on: boolean): void {
    this.following = on;
    this.sweeps.clear();
  }

  /** One sweep event, applied to its sweep's tally if one is kept. */
  apply(e: SweepEventRow): void {
    const tally = this.sweeps.get(e.sweepId);
    if (!tally) return;
    if (tally.held) tally.held.push(e);
    else applyEvent(tally, e);
  }

  /** Forgets the sweep's tally (after a write through this API): its next read reads it again. */
  invalidate(sweepId: string): void {
    this.sweeps.delete(sweepId);
  }

  /**
   * The sweep's trials per grid cell by state, as `gridCellCounts` gives them: from the tally while following
   * (reading only the notes of cells with failed, pruned or paused trials), else computed in SQL.
   */
  async counts(sweepId: string): Promise<GridCellCounts[]> {
    const counts = unpackCounts(await this.packed(sweepId));
    return counts.filter((c) => TRIAL_STATES.some((s) => c[s] > 0));
  }

  /** {@link counts} packed for the body thread (see PackedCounts); cells without trials may be in it. */
  async packed(sweepId: string): Promise<PackedCounts> {
    if (!this.following) return packCounts(await gridCellCounts(this.db, sweepId));
    const tally = await this.ready(sweepId);
    if (tally.unchecked.size > 0) {
      const ids = [...tally.unchecked];
      tally.unchecked.clear();
      for (const id of await uncountedSuccesses(this.db, ids)) {
        const trial = tally.trials.get(id);
        if (trial?.state === 'succeeded') move(trial, 'succeeded', false);
      }
    }
    const cells = tally.order;
    const states = new Int32Array(cells.length * SLOTS);
    let noted = false;
    cells.forEach((c, i) => {
      TRIAL_STATES.forEach((s, k) => {
        states[i * SLOTS + k] = c.counts[s];
      });
      noted ||= NOTED_STATES.some((s) => c.counts[s] > 0);
    });
    const notes: PackedCounts['notes'] = [];
    if (noted) {
      const place = new Map(cells.map((c, i) => [cellKey(c), i]));
      for (const { diverged, checkpoint, optimizer, lr, weightDecay, ...n } of await gridCellNotes(
        this.db,
        sweepId,
      )) {
        const i = place.get(cellKey({ checkpoint, optimizer, lr, weightDecay }));
        if (i === undefined) continue;
        states[i * SLOTS + SLOTS - 1] = diverged;
        notes.push({ cell: i, ...n });
      }
    }
    return { keys: tally.keys, states, notes };
  }

  /** How many sweeps have a tally (for tests and metrics). */
  kept(): number {
    return this.sweeps.size;
  }

  /** The sweep's tally, read first if none is kept or the kept one went stale. */
  private async ready(sweepId: string): Promise<SweepTally> {
    const now = this.now();
    for (const [id, t] of this.sweeps) if (now - t.usedAt > KEEP_MS) this.sweeps.delete(id);
    let tally = this.sweeps.get(sweepId);
    if (!tally || tally.stale) tally = this.load(sweepId);
    tally.usedAt = now;
    await tally.loaded;
    return tally;
  }

  private load(sweepId: string): SweepTally {
    this.loads++;
    const tally: SweepTally = {
      trials: new Map(),
      cells: new Map(),
      order: [],
      keys: '[]',
      unchecked: new Set(),
      held: [],
      loaded: Promise.resolve(),
      stale: false,
      usedAt: this.now(),
    };
    // kept before the read starts, so the events that arrive meanwhile are held for it
    this.sweeps.set(sweepId, tally);
    tally.loaded = trialCellStates(this.db, sweepId).then(
      (rows) => {
        for (const r of rows) {
          const key = cellKey(r);
          let cell = tally.cells.get(key);
          if (!cell) {
            const { checkpoint, optimizer, lr, weightDecay } = r;
            cell = { checkpoint, optimizer, lr, weightDecay, counts: zeroCounts() };
            tally.cells.set(key, cell);
          }
          if (r.counted) cell.counts[r.state]++;
          tally.trials.set(r.id, { cell, state: r.state, counted: r.counted });
        }
        tally.order = [...tally.cells.values()];
        tally.keys = packedKeys(tally.order);
        for (const e of tally.held ?? []) applyEvent(tally, e);
        tally.held = null;
      },
      (err) => {
        if (this.sweeps.get(sweepId) === tally) this.sweeps.delete(sweepId);
        throw err;
      },
    );
    return tally;
  }
}

/** Moves `trial` to `state` in its cell's counts; `counted`: whether the grid counts it there. */
function move(trial: Trial, state: TrialState, counted: boolean): void {
  if (trial.counted) trial.cell.counts[trial.state]--;
  if (counted) trial.cell.counts[state]++;
  trial.state = state;
  trial.counted = counted;
}

/** Applies an event that names one trial the tally knows; any other makes the tally stale. */
function applyEvent(tally: SweepTally, e: SweepEventRow): void {
  const trial = e.n === 1 && e.trialId ? tally.trials.get(e.trialId) : undefined;
  if (!trial || !e.state || !STATES.has(e.state)) {
    tally.stale = true;
    return;
  }
  const state = e.state as TrialState;
  move(trial, state, true);
  // a success counts only with a finite metric: asked at the next read
  if (state === 'succeeded') tally.unchecked.add(e.trialId!);
  else tally.unchecked.delete(e.trialId!);
}

/** One GridTallies per API (per deps), told of the writes made through it (see IntervalReads.invalidate). */
const perApi = new WeakMap<ApiDeps, GridTallies>();

/** The API's grid tallies; they are used once the API's event hub follows them (see EventHub.follow). */
export function talliesOf(deps: ApiDeps): GridTallies {
  let tallies = perApi.get(deps);
  if (!tallies) {
    const made = new GridTallies(deps.db);
    readsOf(deps).onInvalidate((sweepId) => made.invalidate(sweepId));
    perApi.set(deps, (tallies = made));
  }
  return tallies;
}
