/**
 * How a sweep spends its epochs. `grid` runs every trial to the end; `asha` is asynchronous successive halving
 * (Li et al. 2020) per checkpoint: at each rung epoch a trial goes on only if its value is in the top
 * 1/reduction_factor of the values recorded at that rung by trials of the same checkpoint, else it is pruned.
 * Pure rules only: the database records rung values and asks them inside one locked transaction. What each kind
 * decides is behind one interface (strategy-rules.ts); this module holds the schemas and asha's arithmetic.
 */
import { z } from 'zod';
import { DEFAULT_REDUCTION_FACTOR } from './defaults.ts';
import type { Goal } from './spec.ts';
import type { RungOutcome } from './trial-state.ts';

/** A trial's seed: a whole number that fits a signed 32-bit integer, which every trainer's generator takes. */
export const SeedSchema = z
  .number()
  .int()
  .min(0)
  .max(2 ** 31 - 1);

/** `grid` (default): every trial runs all its epochs. */
export const GridStrategySchema = z.strictObject({ kind: z.literal('grid') });

/**
 * `asha`: rungs at `min_epochs x reduction_factor^k` below the trial's epochs. Defaults: `min_epochs` a quarter of
 * the trial's epochs rounded up ({@link defaultMinEpochs}), `reduction_factor` {@link DEFAULT_REDUCTION_FACTOR}. `pause` (default true): pause
 * undecided trials at a rung when their trainer resumes from snapshots ({@link settleRung}); false decides every
 * trial at once ({@link decidePromotion}), e.g. for workers on several hosts without a shared trial directory,
 * where a promoted trial would start again from epoch 1.
 */
export const AshaStrategySchema = z.strictObject({
  kind: z.literal('asha'),
  min_epochs: z.number().int().min(1).max(10_000).optional(),
  reduction_factor: z
    .number()
    .int()
    .min(2, 'reduction_factor must be >= 2')
    .max(100)
    .default(DEFAULT_REDUCTION_FACTOR),
  pause: z.boolean().optional(),
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
  seeds: z.array(SeedSchema).min(1, 'list at least one confirm seed').max(100),
});
export type Confirm = z.output<typeof ConfirmSchema>;

/**
 * The epochs every trial of a sweep runs in full: `fixed.epochs`, or `fixed.max_epochs` (MMDetection's name, which
 * an mmdet sweep writes), when it is a positive integer. The spec refuses the two set to different values.
 */
export function trialEpochs(fixed: Record<string, unknown>): number | null {
  const e = fixed['epochs'] ?? fixed['max_epochs'];
  return typeof e === 'number' && Number.isInteger(e) && e > 0 ? e : null;
}

/**
 * The first rung when `min_epochs` is not given: a quarter of the trial's epochs, rounded up (3 of 12: rungs 3 and
 * 9 with factor 3). The first rung judges trials on their least-trained values; where curves cross (a higher lr
 * leads early and ends lower) a rung at epoch 1 ranks learning speed, not the final result, and prunes the
 * eventual best cell (BENCHMARKS.md), so the default scales with the length of training instead.
 */
export function defaultMinEpochs(epochs: number): number {
  return Math.max(1, Math.ceil(epochs / 4));
}

/**
 * asha's rung epochs: `min_epochs x reduction_factor^k` strictly below `epochs`, ascending (see
 * {@link strategyRules} for any strategy's).
 */
export function ashaRungEpochs(strategy: AshaStrategy, epochs: number): number[] {
  const first = strategy.min_epochs ?? defaultMinEpochs(epochs);
  // zod still runs refinements over values that failed a check: never loop on a factor below 2
  if (!(strategy.reduction_factor >= 2 && first >= 1)) return [];
  const rungs: number[] = [];
  for (let r = first; r < epochs; r *= strategy.reduction_factor) rungs.push(r);
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
  /** How many of them go on ({@link rungPlaces}). */
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
 * How many values at a rung go on. At the first rung the population is known: every trial of the checkpoint (with
 * the sweep's own seeds) reports there, so its places are those of the whole rung, max(1, floor(population / rf)),
 * from the first report on: a trial is pruned there only once that many values already beat it, i.e. only when
 * synchronous successive halving would prune it too, whatever order the trials start in. At later rungs the
 * population depends on earlier decisions, so the places grow with the values recorded so far:
 * max(1, floor(n / rf)), n counting the new value (asynchronous successive halving as published).
 */
export function rungPlaces(of: number, reductionFactor: number, population?: number): number {
  const n = population === undefined ? of : Math.max(population, of);
  return Math.max(1, Math.floor(n / reductionFactor));
}

/**
 * Whether a trial reporting `value` at rung `epoch` goes on. `earlier` are the values recorded before it at the
 * same rung by trials of the same checkpoint; `population` is the number of trials that report at this rung when
 * it is the first one (see {@link rungPlaces}), undefined at later rungs. The trial's rank is 1 + the earlier
 * values better than it + the earlier values equal to it (a tie goes to the value recorded first, which already
 * held its place). It goes on when rank <= the rung's places: the first trial at a rung always goes on, as with
 * Optuna's successive-halving pruner (a trial cannot be paused, so the first one is never held back).
 */
export function decidePromotion(
  value: number,
  earlier: readonly RungEntry[],
  reductionFactor: number,
  goal: Goal,
  epoch: number,
  population?: number,
): PromotionDecision {
  let ahead = 0;
  for (const e of earlier) {
    if (better(e.value, value, goal) || e.value === value) ahead++;
  }
  const rank = ahead + 1;
  const of = earlier.length + 1;
  const places = rungPlaces(of, reductionFactor, population);
  const promoted = rank <= places && !Number.isNaN(value);
  return {
    promoted,
    rank,
    of,
    places,
    reason: `rank ${rank} of ${of} at epoch ${epoch} (top ${places} go on)`,
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

/** One value recorded at a rung (in the order recorded) and what became of its trial there. */
export interface RungStanding extends RungEntry {
  outcome: RungOutcome;
}

export interface RungSettlement {
  /** How many of the rung's values go on now. */
  places: number;
  /** Paused trials that now go on (they resume from their snapshots), in recorded order. */
  promote: string[];
  /** Paused trials that can no longer go on (only once the rung is complete), in recorded order. */
  prune: string[];
  /** Each trial's 1-based rank at the rung (a tie goes to the value recorded first; NaN ranks last). */
  rank: Map<string, number>;
}

/**
 * asha in its promotion form (Li et al. 2020, Algorithm 2), for trainers that resume from their snapshots: a trial
 * reaching a rung is recorded there `paused` and stops; it goes on (is promoted) as soon as it is among the rung's
 * top floor(n / rf) of the n values recorded so far, as the published algorithm promotes "whenever possible". The
 * first trials at a rung therefore wait (floor(n / rf) = 0 while n < rf) instead of going on unjudged, which is
 * what makes the stop-or-go form ({@link decidePromotion}) cost more than synchronous halving. Once the rung is
 * complete (no trial of the checkpoint can still report there: `complete`), it keeps max(1, floor(n / rf)) and the
 * paused trials outside them are pruned. A trial promoted earlier stays promoted (the algorithm never takes a
 * promotion back). A NaN value never goes on.
 */
export function settleRung(
  standings: readonly RungStanding[],
  reductionFactor: number,
  goal: Goal,
  complete: boolean,
): RungSettlement {
  const n = standings.length;
  const places = complete
    ? Math.max(1, Math.floor(n / reductionFactor))
    : Math.floor(n / reductionFactor);
  const order = standings
    .map((s, seq) => ({ s, seq }))
    .sort((a, b) =>
      better(a.s.value, b.s.value, goal)
        ? -1
        : better(b.s.value, a.s.value, goal)
          ? 1
          : a.seq - b.seq,
    );
  const rank = new Map<string, number>(order.map(({ s }, i) => [s.trialId, i + 1]));
  const promote: string[] = [];
  const prune: string[] = [];
  for (const s of standings) {
    if (s.outcome !== 'paused') continue;
    const goesOn = (rank.get(s.trialId) ?? n + 1) <= places && !Number.isNaN(s.value);
    if (goesOn) promote.push(s.trialId);
    else if (complete) prune.push(s.trialId);
  }
  return { places, promote, prune, rank };
}

/** Why a trial at a rung went on, waits or was pruned, for people: `rank 2 of 3 at epoch 3 (top 1 go on)`. */
export function rungReason(
  rank: number,
  of: number,
  places: number,
  epoch: number,
  complete: boolean,
): string {
  const base = `rank ${rank} of ${of} at epoch ${epoch}`;
  return complete
    ? `${base} (top ${places} go on)`
    : `${base} so far (top ${places} go on now; the rest wait until every trial of the checkpoint has reported at epoch ${epoch})`;
}
