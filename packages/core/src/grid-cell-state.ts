/**
 * Where the trials of each grid cell stand, and the one state a cell is drawn with: a value when any seed
 * succeeded, otherwise what its trials are doing or why they have no value (the dashboard says it on hover).
 */
import type { GridMatrix } from './aggregate.ts';
import { TRIAL_STATES, type TrialState } from './trial-state.ts';

/**
 * Trials of one grid cell, by state. A grid cell is one lr x weight-decay position of a checkpoint x optimizer
 * matrix; it may hold several cells (points of the search space, e.g. one per momentum).
 */
export interface GridCellCounts extends Record<TrialState, number> {
  checkpoint: string;
  optimizer: string;
  lr: number;
  weightDecay: number;
  /** Failed trials whose reason is `diverged` (counted in `failed` too). */
  diverged: number;
  /** One failed trial's error, or for a pruned cell why it was pruned. */
  reason: string | null;
  /**
   * asha: the latest rung epoch a trial of this grid cell was pruned at, and its value there (of the first such
   * trial by id, so the same on every read); null if none.
   */
  prunedEpoch: number | null;
  prunedValue: number | null;
  /** asha: the earliest rung epoch a trial of this grid cell was pruned at (below prunedEpoch: seeds stopped apart). */
  prunedEpochMin?: number | null;
  /**
   * asha with pausing: the latest rung epoch a paused trial of this grid cell waits at, and its value there; null
   * if none of its trials is paused.
   */
  pausedEpoch: number | null;
  pausedValue: number | null;
}

/** The one state a grid cell is drawn with: a trial state, or `diverged`, or `empty` (no trials). */
export const GRID_CELL_STATES = [
  'succeeded',
  'running',
  'paused',
  'queued',
  'pruned',
  'diverged',
  'failed',
  'cancelled',
  'empty',
] as const satisfies ReadonlyArray<TrialState | 'diverged' | 'empty'>;
export type GridCellState = (typeof GRID_CELL_STATES)[number];

/** One grid cell as the grid shows it: its trials by state and the one state it is drawn with. */
export interface GridCellSummary extends Record<TrialState, number> {
  state: GridCellState;
  diverged: number;
  total: number;
  reason: string | null;
  /** asha: `pruned at epoch N` and the value it had there, drawn apart from cells that ran to the end. */
  prunedEpoch: number | null;
  prunedValue: number | null;
  /** asha: the earliest epoch a trial of the cell was pruned at; below prunedEpoch when its seeds stopped apart. */
  prunedEpochMin?: number | null;
  /** asha with pausing: the rung epoch a paused trial of the cell waits at, and its value there. */
  pausedEpoch: number | null;
  pausedValue: number | null;
}

/**
 * A cell with a value is `succeeded` (its counts still say how many seeds are pending); without one, running
 * beats paused (waiting at an asha rung) beats queued beats pruned beats diverged beats failed beats cancelled,
 * and a cell without trials is `empty`.
 */
export function gridCellState(
  c: Omit<GridCellSummary, 'state' | 'total'>,
  hasValue: boolean,
): GridCellState {
  if (hasValue) return 'succeeded';
  if (c.running > 0) return 'running';
  if (c.paused > 0) return 'paused';
  if (c.queued > 0) return 'queued';
  if (c.pruned > 0) return 'pruned';
  if (c.diverged > 0) return 'diverged';
  if (c.failed > 0) return 'failed';
  if (c.cancelled > 0) return 'cancelled';
  return 'empty';
}

/** The summary of every grid cell of each matrix (state and trial counts), in lr x weight-decay order. */
export function gridCellSummaries(
  matrices: GridMatrix[],
  counts: GridCellCounts[],
): GridCellSummary[][][] {
  const key = (ck: string, opt: string, lr: number, wd: number) =>
    `${ck}\u0000${opt}\u0000${lr}\u0000${wd}`;
  const byKey = new Map(
    counts.map((c) => [key(c.checkpoint, c.optimizer, c.lr, c.weightDecay), c]),
  );
  return matrices.map((m) =>
    m.lrs.map((lr, i) =>
      m.weightDecays.map((wd, j): GridCellSummary => {
        const c = byKey.get(key(m.checkpoint, m.optimizer, lr, wd));
        const base = {
          queued: c?.queued ?? 0,
          running: c?.running ?? 0,
          paused: c?.paused ?? 0,
          succeeded: c?.succeeded ?? 0,
          failed: c?.failed ?? 0,
          cancelled: c?.cancelled ?? 0,
          pruned: c?.pruned ?? 0,
          diverged: c?.diverged ?? 0,
          reason: c?.reason ?? null,
          prunedEpoch: c?.prunedEpoch ?? null,
          prunedValue: c?.prunedValue ?? null,
          prunedEpochMin: c?.prunedEpochMin ?? null,
          pausedEpoch: c?.pausedEpoch ?? null,
          pausedValue: c?.pausedValue ?? null,
        };
        const total = TRIAL_STATES.reduce((n, s) => n + base[s], 0);
        return { state: gridCellState(base, m.values[i]![j] != null), total, ...base };
      }),
    ),
  );
}

/**
 * How a grid cell without a value is written in text tables: `pruned@3 (0.2100)` for a cell pruned at epoch 3
 * with that value there, `paused@3 (0.2100)` for a cell whose trial waits at the epoch-3 rung with that value
 * (asha resumes or prunes it once enough trials of its checkpoint have reported there); null for any other cell
 * (the caller writes its own words).
 */
export function gridCellLabel(c: GridCellSummary | undefined): string | null {
  if (c?.state === 'pruned') return rungLabel('pruned', c.prunedEpoch, c.prunedValue);
  if (c?.state === 'paused') return rungLabel('paused', c.pausedEpoch, c.pausedValue);
  return null;
}

/** `pruned@3 (0.2100)`: a state, the rung epoch and the value there, as far as they are known. */
function rungLabel(state: string, epoch: number | null, value: number | null): string {
  if (epoch === null) return state;
  return `${state}@${epoch}${value === null ? '' : ` (${value.toFixed(4)})`}`;
}
