/**
 * How a sweep spends its epochs. `grid` runs every trial to the end; `asha` is asynchronous successive halving
 * (Li et al. 2020) per checkpoint: at each rung epoch a trial goes on only if its value is in the top
 * 1/reduction_factor of the values recorded at that rung by trials of the same checkpoint, else it is pruned.
 * Pure rules only: the database records rung values and asks `decidePromotion` inside one locked transaction.
 */
import { z } from 'zod';
import type { Goal } from './spec.ts';

/** `grid` (default): every trial runs all its epochs. */
export const GridStrategySchema = z.strictObject({ kind: z.literal('grid') });

/** `asha`: rungs at `min_epochs x reduction_factor^k` below the trial's epochs. Defaults: 1 and 3. */
export const AshaStrategySchema = z.strictObject({
  kind: z.literal('asha'),
  min_epochs: z.number().int().min(1).max(10_000).default(1),
  reduction_factor: z.number().int().min(2, 'reduction_factor must be >= 2').max(100).default(3),
});
export type AshaStrategy = z.output<typeof AshaStrategySchema>;

export const StrategySchema = z.discriminatedUnion('kind', [
  GridStrategySchema,
  AshaStrategySchema,
]);
export type Strategy = z.output<typeof StrategySchema>;

/**
 * Confirm stage: once every trial of a checkpoint has finished, its `top` cells run again with `seeds`
 * (new trials of the same cells), so the best table rests on several seeds where it matters.
 */
export const ConfirmSchema = z.strictObject({
  top: z.number().int().min(1).max(100),
  seeds: z
    .array(
      z
        .number()
        .int()
        .min(0)
        .max(2 ** 31 - 1),
    )
    .min(1, 'list at least one confirm seed')
    .max(100),
});
export type Confirm = z.output<typeof ConfirmSchema>;

/** The epochs every trial of a sweep runs in full: `fixed.epochs` when it is a positive integer. */
export function trialEpochs(fixed: Record<string, unknown>): number | null {
  const e = fixed['epochs'];
  return typeof e === 'number' && Number.isInteger(e) && e > 0 ? e : null;
}

/** Rung epochs `min_epochs x reduction_factor^k` strictly below `epochs`, ascending. */
export function rungEpochs(strategy: Strategy, epochs: number): number[] {
  if (strategy.kind !== 'asha') return [];
  // zod still runs refinements over values that failed a check: never loop on a factor below 2
  if (!(strategy.reduction_factor >= 2 && strategy.min_epochs >= 1)) return [];
  const rungs: number[] = [];
  for (let r = strategy.min_epochs; r < epochs; r *= strategy.reduction_factor) rungs.push(r);
  return rungs;
}

/** One value recorded at a rung, in the order they were recorded. */
export interface RungEntry {
  trialId: string;
  value: number;
}

export interface PromotionDecision {
  promoted: boolean;
  /** 1-based rank among the values at the rung, this trial's included. */
  rank: number;
  /** Values at the rung, this trial's included. */
  of: number;
  /** How many of them go on: max(1, floor(of / reduction_factor)). */
  places: number;
  /** Why, for people: `rank 7 of 9 at epoch 3 (top 3 go on)`. */
  reason: string;
}

/** True when `a` is a better value than `b`; NaN is worse than any number. */
function better(a: number, b: number, goal: Goal): boolean {
  if (Number.isNaN(a)) return false;
  if (Number.isNaN(b)) return true;
  return goal === 'maximize' ? a > b : a < b;
}

/**
 * Whether a trial reporting `value` at rung `epoch` goes on. `earlier` are the values recorded before it at the
 * same rung by trials of the same checkpoint. The trial's rank is 1 + the earlier values better than it + the
 * earlier values equal to it (a tie goes to the value recorded first, which already held its place). It goes on
 * when rank <= max(1, floor(n / reduction_factor)), n counting itself: the first trial at a rung always goes on,
 * as with Optuna's successive-halving pruner (a trial cannot be paused, so the first one is never held back).
 */
export function decidePromotion(
  value: number,
  earlier: readonly RungEntry[],
  reductionFactor: number,
  goal: Goal,
  epoch: number,
): PromotionDecision {
  let ahead = 0;
  for (const e of earlier) {
    if (better(e.value, value, goal) || e.value === value) ahead++;
  }
  const rank = ahead + 1;
  const of = earlier.length + 1;
  const places = Math.max(1, Math.floor(of / reductionFactor));
  const promoted = rank <= places && !Number.isNaN(value);
  return {
    promoted,
    rank,
    of,
    places,
    reason: `rank ${rank} of ${of} at epoch ${epoch} (top ${places} go on)`,
  };
}

/** What an asha sweep can cost, in trial epochs, next to the full grid. */
export interface EpochBudget {
  rungs: number[];
  /** Every trial to the end: what the full grid costs. */
  fullGrid: number;
  /** The most asha can cost: values arriving in improving order promote everyone. */
  most: number;
  /** The fewest: best values first, so only one trial per checkpoint passes each rung. */
  fewest: number;
  /** Synchronous successive halving's cost (floor(n / rf^k) per rung), a typical figure between the two. */
  typical: number;
}

/**
 * Epoch figures for `trialsPerCheckpoint` trials on each of `checkpoints` checkpoints, each of `epochs` epochs.
 * The fewest follows from the promotion rule: with values arriving best first, the i-th trial at a rung ranks i
 * and goes on only if i <= max(1, floor(i / rf)), i.e. only the first.
 */
export function epochBudget(
  strategy: Strategy,
  epochs: number,
  trialsPerCheckpoint: number,
  checkpoints: number,
): EpochBudget {
  const rungs = rungEpochs(strategy, epochs);
  const fullGrid = trialsPerCheckpoint * checkpoints * epochs;
  if (rungs.length === 0 || strategy.kind !== 'asha' || trialsPerCheckpoint === 0) {
    return { rungs, fullGrid, most: fullGrid, fewest: fullGrid, typical: fullGrid };
  }
  const stops = [...rungs, epochs];
  let fewest = trialsPerCheckpoint * rungs[0]!;
  fewest += stops[stops.length - 1]! - rungs[0]!; // one trial goes through every rung to the end
  let typical = 0;
  let alive = trialsPerCheckpoint;
  let prev = 0;
  for (const stop of stops) {
    typical += alive * (stop - prev);
    prev = stop;
    alive = Math.max(1, Math.floor(alive / strategy.reduction_factor));
  }
  return {
    rungs,
    fullGrid,
    most: fullGrid,
    fewest: fewest * checkpoints,
    typical: typical * checkpoints,
  };
}

/** True for a confirm-stage seed (listed in `confirm.seeds`, not in the sweep's own seeds): never pruned. */
export function isConfirmSeed(
  seeds: readonly number[],
  confirm: Confirm | undefined,
  seed: number,
): boolean {
  return (confirm?.seeds.includes(seed) ?? false) && !seeds.includes(seed);
}
