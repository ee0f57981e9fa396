/**
 * The confirm stage (`confirm: { top, seeds }`): once every trial of a checkpoint with the sweep's own seeds has
 * finished, that checkpoint's `top` cells run again with the confirm seeds (new trials of the same cells), so the
 * best table rests on several seeds where it matters. Pure rules only; the database asks them under a lock.
 */
import { type CellResult, ranksBefore } from './aggregate.ts';
import type { Goal } from './spec.ts';
import type { Confirm } from './strategy.ts';

/**
 * The cells to confirm: the `top` best of one checkpoint's cells, ranked as the best table ranks them
 * ({@link ranksBefore}), from results over the sweep's own seeds only (so the choice never changes once confirm
 * trials report, and asking again after they finish adds nothing). Cells without a finite mean are never chosen.
 */
export function confirmCells(results: readonly CellResult[], confirm: Confirm, goal: Goal) {
  return results
    .filter((r) => Number.isFinite(r.mean))
    .sort((a, b) => (ranksBefore(a, b, goal) ? -1 : ranksBefore(b, a, goal) ? 1 : 0))
    .slice(0, confirm.top);
}

/** The seeds a confirm trial may have: the confirm seeds that are not already among the sweep's seeds. */
export function extraConfirmSeeds(seeds: readonly number[], confirm: Confirm): number[] {
  return confirm.seeds.filter((s) => !seeds.includes(s));
}
