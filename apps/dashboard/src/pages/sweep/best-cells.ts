/** Where each checkpoint's best grid cell is, so its heatmap can outline it. */
import type { Grid } from '@sweeps/api-client';

/**
 * Per matrix of the grid, the [i, j] of its checkpoint's best shown value when that lies in this matrix, else
 * null. Best: the goal's best mean, on a tie the one with more seeds, on a full tie the first in the grid's order.
 */
export function bestCellPerMatrix(grid: Grid): Array<[number, number] | null> {
  const best = new Map<string, { k: number; i: number; j: number; mean: number; n: number }>();
  for (const [k, m] of grid.matrices.entries())
    for (const [i, row] of m.values.entries())
      for (const [j, v] of row.entries()) {
        if (!v) continue;
        const cur = best.get(m.checkpoint);
        const better =
          !cur ||
          (grid.goal === 'maximize' ? v.mean > cur.mean : v.mean < cur.mean) ||
          (v.mean === cur.mean && v.n > cur.n);
        if (better) best.set(m.checkpoint, { k, i, j, mean: v.mean, n: v.n });
      }
  return grid.matrices.map((m, k) => {
    const b = best.get(m.checkpoint);
    return b && b.k === k ? [b.i, b.j] : null;
  });
}
