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

/** One confirm trial: a chosen cell run with one extra seed. */
export interface ConfirmTrial {
  cell: CellResult;
  seed: number;
}

/**
 * The confirm trials of one checkpoint whose own-seed trials have all finished: its chosen cells
 * ({@link confirmCells}, over `results` of the sweep's own seeds) x the extra seeds ({@link extraConfirmSeeds}).
 * None without a confirm stage, without extra seeds, or without a cell of finite mean.
 */
export function confirmTrials(
  results: readonly CellResult[],
  confirm: Confirm | undefined,
  goal: Goal,
  seeds: readonly number[],
): ConfirmTrial[] {
  if (!confirm) return [];
  const extra = extraConfirmSeeds(seeds, confirm);
  return confirmCells(results, confirm, goal).flatMap((cell) =>
    extra.map((seed) => ({ cell, seed })),
  );
}

/** The key a confirm trial is looked up by among existing trials: its cell's config hash and its seed. */
export function confirmTrialKey(configHash: string, seed: number): string {
  return `${configHash}/${seed}`;
}

/**
 * How many of a finished checkpoint's confirm trials ({@link confirmTrials}) do not exist yet (`existing` holds
 * {@link confirmTrialKey}s). Above 0, the confirm stage is still to come, so the sweep is not finished
 * (trial-state.ts's `sweepPhase`); 0 once they were added, or when the checkpoint needs none.
 */
export function missingConfirmTrials(
  results: readonly CellResult[],
  confirm: Confirm | undefined,
  goal: Goal,
  seeds: readonly number[],
  existing: ReadonlySet<string>,
): number {
  return confirmTrials(results, confirm, goal, seeds).filter(
    (t) => !existing.has(confirmTrialKey(t.cell.configHash, t.seed)),
  ).length;
}
