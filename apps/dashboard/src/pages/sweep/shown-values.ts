/** Every metric value a sweep page writes (cell means, asha's rung values, best and runner-up means): the basis of its notation. */
import type { BestTable, Grid } from '@sweeps/api-client';

export function shownValues(grid: Grid | null, best: BestTable | null): number[] {
  const out: number[] = [];
  for (const m of grid?.matrices ?? []) {
    for (const row of m.values) for (const v of row) if (v) out.push(v.mean);
    for (const row of m.gridCells)
      for (const c of row) {
        if (c.prunedValue != null) out.push(c.prunedValue);
        if (c.pausedValue != null) out.push(c.pausedValue);
      }
  }
  for (const r of best?.rows ?? []) {
    if (r.best) out.push(r.best.mean);
    if (r.runner_up) out.push(r.runner_up.mean);
  }
  return out;
}
