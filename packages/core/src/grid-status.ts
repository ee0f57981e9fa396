/**
 * Where the trials of each grid cell stand, and the one state a cell is drawn with: a value when any seed
 * succeeded, otherwise what its trials are doing or why they have no value (the dashboard says it on hover).
 */
import type { GridMatrix } from './aggregate.ts';

/** Trials of one (checkpoint, optimizer, lr, weight decay) grid cell, by state. */
export interface GridCellCounts {
  checkpoint: string;
  optimizer: string;
  lr: number;
  weightDecay: number;
  queued: number;
  running: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  /** Failed trials whose error says they diverged (counted in `failed` too). */
  diverged: number;
  /** One failed trial's error. */
  reason: string | null;
}

export type GridCellState =
  | 'succeeded'
  | 'running'
  | 'queued'
  | 'diverged'
  | 'failed'
  | 'cancelled'
  | 'empty';

export interface GridCellStatus {
  state: GridCellState;
  queued: number;
  running: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  diverged: number;
  total: number;
  reason: string | null;
}

/**
 * A cell with a value is `succeeded` (its counts still say how many seeds are pending); without one, running
 * beats queued beats diverged beats failed beats cancelled, and a cell without trials is `empty`.
 */
export function gridCellState(c: Omit<GridCellStatus, 'state' | 'total'>, hasValue: boolean) {
  if (hasValue) return 'succeeded';
  if (c.running > 0) return 'running';
  if (c.queued > 0) return 'queued';
  if (c.diverged > 0) return 'diverged';
  if (c.failed > 0) return 'failed';
  if (c.cancelled > 0) return 'cancelled';
  return 'empty';
}

/** The status of every cell of each matrix, in the matrix's lr x weight-decay order. */
export function gridCellStatuses(
  matrices: GridMatrix[],
  counts: GridCellCounts[],
): GridCellStatus[][][] {
  const key = (ck: string, opt: string, lr: number, wd: number) =>
    `${ck}\u0000${opt}\u0000${lr}\u0000${wd}`;
  const byKey = new Map(
    counts.map((c) => [key(c.checkpoint, c.optimizer, c.lr, c.weightDecay), c]),
  );
  return matrices.map((m) =>
    m.lrs.map((lr, i) =>
      m.weightDecays.map((wd, j): GridCellStatus => {
        const c = byKey.get(key(m.checkpoint, m.optimizer, lr, wd));
        const base = {
          queued: c?.queued ?? 0,
          running: c?.running ?? 0,
          succeeded: c?.succeeded ?? 0,
          failed: c?.failed ?? 0,
          cancelled: c?.cancelled ?? 0,
          diverged: c?.diverged ?? 0,
          reason: c?.reason ?? null,
        };
        const total = base.queued + base.running + base.succeeded + base.failed + base.cancelled;
        return { state: gridCellState(base, m.values[i]![j] != null), total, ...base };
      }),
    ),
  );
}
