/**
 * Grid and best-setting tables from per-cell results. The SQL layer groups succeeded trials with a finite final
 * metric by (checkpoint, config hash) and hands over one row per cell; these functions only shape and rank them.
 */
import { bestRowStatistics, type BestRowStatistics } from './best-statistics.ts';
import type { ParamValue } from './grid.ts';
import type { Goal } from './spec.ts';

/** Succeeded, finite results of one cell on one checkpoint, over its seeds. */
export interface CellResult {
  checkpoint: string;
  optimizer: string;
  configHash: string;
  params: Record<string, ParamValue>;
  /** Number of seeds that succeeded. */
  n: number;
  mean: number;
  /** Sample standard deviation over seeds; null with a single seed. */
  std: number | null;
}

export interface CheckpointInfo {
  name: string;
  baseline: boolean;
}

/** Whether a checkpoint's row of the best table has a best cell. */
export type BestRowOutcome = 'ok' | 'nothing_succeeded';

export interface BestRow extends BestRowStatistics {
  checkpoint: string;
  baseline: boolean;
  /** `nothing_succeeded`: no trial of this checkpoint has a usable result yet. */
  outcome: BestRowOutcome;
  best: CellResult | null;
  /** Best mean minus the baseline checkpoint's best mean; null without a baseline result. */
  gain: number | null;
}

export interface BestTable {
  metric: string;
  goal: Goal;
  baseline: string | null;
  rows: BestRow[];
}

/** True when `a` ranks before `b`: better mean, then more seeds, then optimizer and hash (deterministic ties). */
export function ranksBefore(a: CellResult, b: CellResult, goal: Goal): boolean {
  if (a.mean !== b.mean) return goal === 'maximize' ? a.mean > b.mean : a.mean < b.mean;
  if (a.n !== b.n) return a.n > b.n;
  if (a.optimizer !== b.optimizer) return a.optimizer < b.optimizer;
  return a.configHash < b.configHash;
}

/** The best and second-best finite cells. */
function pickTop2(results: CellResult[], goal: Goal): [CellResult | null, CellResult | null] {
  let best: CellResult | null = null;
  let second: CellResult | null = null;
  for (const r of results) {
    if (!Number.isFinite(r.mean)) continue;
    if (best === null || ranksBefore(r, best, goal)) [best, second] = [r, best];
    else if (second === null || ranksBefore(r, second, goal)) second = r;
  }
  return [best, second];
}

/** The best setting per checkpoint, in the sweep's checkpoint order, with the gain over the baseline. */
export function buildBestTable(
  checkpoints: CheckpointInfo[],
  results: CellResult[],
  metric: string,
  goal: Goal,
): BestTable {
  const byCheckpoint = new Map<string, CellResult[]>();
  for (const r of results) {
    const list = byCheckpoint.get(r.checkpoint);
    if (list) list.push(r);
    else byCheckpoint.set(r.checkpoint, [r]);
  }
  const baseline = checkpoints.find((c) => c.baseline)?.name ?? null;
  const baselineBest = baseline ? pickTop2(byCheckpoint.get(baseline) ?? [], goal)[0] : null;
  const rows = checkpoints.map((c): BestRow => {
    const [best, runnerUp] = pickTop2(byCheckpoint.get(c.name) ?? [], goal);
    const gain = best && baselineBest ? best.mean - baselineBest.mean : null;
    return {
      checkpoint: c.name,
      baseline: c.baseline,
      outcome: best ? 'ok' : 'nothing_succeeded',
      best,
      gain,
      ...bestRowStatistics(best, runnerUp, baselineBest, c.baseline),
    };
  });
  return { metric, goal, baseline, rows };
}

/** One lr x weight-decay matrix for a checkpoint and optimizer. `values[i][j]` is for lrs[i], weightDecays[j]. */
export interface GridMatrix {
  checkpoint: string;
  optimizer: string;
  lrs: number[];
  weightDecays: number[];
  /** Per grid cell: its best cell's result over seeds (the best momentum, say), null without one. */
  values: Array<Array<CellResult | null>>;
  /** Failed trials per grid cell (e.g. diverged), so an empty grid cell can say why it is empty. */
  failed: number[][];
}

/** Failed trials of one grid cell: a (checkpoint, optimizer, lr, weight decay) position. */
export interface FailedGridCell {
  checkpoint: string;
  optimizer: string;
  lr: number;
  weightDecay: number;
  n: number;
}

function sortedUnique(values: number[]): number[] {
  return [...new Set(values)].sort((a, b) => a - b);
}

/**
 * Builds one matrix per (checkpoint, optimizer). Axes list every lr and weight decay of the optimizer's grid;
 * where other hyperparameters (e.g. momentum) vary too, a grid cell holds the best of those cells.
 */
export function buildGrid(
  checkpoints: CheckpointInfo[],
  axes: Array<{ optimizer: string; lrs: number[]; weightDecays: number[] }>,
  results: CellResult[],
  goal: Goal,
  failures: FailedGridCell[] = [],
): GridMatrix[] {
  const matrices: GridMatrix[] = [];
  for (const c of checkpoints) {
    for (const axis of axes) {
      const lrs = sortedUnique(axis.lrs);
      const weightDecays = sortedUnique(axis.weightDecays);
      const values = lrs.map(() => weightDecays.map((): CellResult | null => null));
      const failed = lrs.map(() => weightDecays.map(() => 0));
      for (const f of failures) {
        if (f.checkpoint !== c.name || f.optimizer !== axis.optimizer) continue;
        const i = lrs.indexOf(f.lr);
        const j = weightDecays.indexOf(f.weightDecay);
        if (i >= 0 && j >= 0) failed[i]![j]! += f.n;
      }
      for (const r of results) {
        if (r.checkpoint !== c.name || r.optimizer !== axis.optimizer || !Number.isFinite(r.mean))
          continue;
        const i = lrs.indexOf(Number(r.params.lr));
        const j = weightDecays.indexOf(Number(r.params.weight_decay));
        if (i < 0 || j < 0) continue;
        const cur = values[i]![j]!;
        if (cur === null || ranksBefore(r, cur, goal)) values[i]![j] = r;
      }
      matrices.push({
        checkpoint: c.name,
        optimizer: axis.optimizer,
        lrs,
        weightDecays,
        values,
        failed,
      });
    }
  }
  return matrices;
}
