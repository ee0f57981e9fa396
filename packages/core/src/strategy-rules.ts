/**
 * One interface for a sweep's strategy: what the rest of the code asks of `grid` or `asha` instead of branching on
 * the kind. Each kind implements it once here; adding a kind is its schema in strategy.ts and its rules below.
 */
import { ashaEpochBudget, type EpochBudget, fullGridBudget } from './epoch-budget.ts';
import type { Goal } from './spec.ts';
import {
  type AshaStrategy,
  ashaRungEpochs,
  decidePromotion,
  type PromotionDecision,
  type RungEntry,
  type RungSettlement,
  type RungStanding,
  rungPlaces,
  settleRung,
  type Strategy,
  trialEpochs,
} from './strategy.ts';

/** A problem of the sweep file for its strategy, with its path from the file's root. */
export interface StrategyIssue {
  path: Array<string | number>;
  message: string;
}

/** How trials are judged at a rung: asha's promotion rules, with the sweep's reduction factor. */
export interface RungRanking {
  /** How many of `of` values at a rung go on ({@link rungPlaces}). */
  places(of: number, population?: number): number;
  /** Stop-or-go: whether a trial reporting `value` goes on at once ({@link decidePromotion}). */
  decide(
    value: number,
    earlier: readonly RungEntry[],
    goal: Goal,
    epoch: number,
    population?: number,
  ): PromotionDecision;
  /** The promotion form: which paused trials of a rung go on or are pruned now ({@link settleRung}). */
  settle(standings: readonly RungStanding[], goal: Goal, complete: boolean): RungSettlement;
}

export interface StrategyRules {
  /** Where trials of `epochs` epochs are compared, ascending; none: every trial runs to the end. */
  rungs(epochs: number): number[];
  /** Whether a trial its rung does not decide yet waits there `paused` (only if its trainer resumes). */
  pauses(trainerResumes: boolean): boolean;
  /** How trials are judged at a rung; null for a strategy that never stops a trial early. */
  readonly ranking: RungRanking | null;
  /** The order a sweep's new trials are enqueued in, so the order they start in. */
  startOrder<T extends { trialId: string }>(jobs: T[]): T[];
  /** What the sweep can cost in trial epochs next to the full grid ({@link EpochBudget}). */
  epochBudget(
    epochs: number,
    trialsPerCheckpoint: number,
    checkpoints: number,
    pauses: boolean,
  ): EpochBudget;
  /** What the strategy needs of the sweep's `fixed` settings (asha: a trial's epochs, and room for a rung). */
  issues(fixed: Record<string, unknown>): StrategyIssue[];
}

/** grid: every trial runs all its epochs, in the grid's order. */
const GRID: StrategyRules = {
  rungs: () => [],
  pauses: () => false,
  ranking: null,
  startOrder: (jobs) => jobs,
  epochBudget: (epochs, trialsPerCheckpoint, checkpoints, pauses) =>
    fullGridBudget({ rungs: [], epochs, trialsPerCheckpoint, checkpoints, pauses }),
  issues: () => [],
};

const byId = (a: { trialId: string }, b: { trialId: string }) =>
  a.trialId < b.trialId ? -1 : a.trialId > b.trialId ? 1 : 0;

/** asha: successive halving per checkpoint at rungs `min_epochs x reduction_factor^k` (see strategy.ts). */
function ashaRules(strategy: AshaStrategy): StrategyRules {
  const rf = strategy.reduction_factor;
  const rungs = (epochs: number) => ashaRungEpochs(strategy, epochs);
  return {
    rungs,
    // pausing is asha's promotion form; `pause: false` decides every trial at once
    pauses: (trainerResumes) => strategy.pause !== false && trainerResumes,
    ranking: {
      places: (of, population) => rungPlaces(of, rf, population),
      decide: (value, earlier, goal, epoch, population) =>
        decidePromotion(value, earlier, rf, goal, epoch, population),
      settle: (standings, goal, complete) => settleRung(standings, rf, goal, complete),
    },
    // By trial id. The asynchronous rule compares each trial with those that reached its rung before it, which
    // assumes the order is unrelated to quality; grid order is not (lrs ascending: on curves where a higher lr
    // leads early, every new trial leads its rung and nothing is pruned). Trial ids are hashes of the trials'
    // identities, so id order is pseudo-random, unrelated to lr, the same on every enqueue (reconcile enqueues in
    // id order too), and interleaves checkpoints.
    startOrder: (jobs) => [...jobs].sort(byId),
    epochBudget: (epochs, trialsPerCheckpoint, checkpoints, pauses) =>
      ashaEpochBudget(rf, {
        rungs: rungs(epochs),
        epochs,
        trialsPerCheckpoint,
        checkpoints,
        pauses,
      }),
    issues(fixed) {
      const epochs = trialEpochs(fixed);
      if (epochs === null)
        return [
          {
            path: ['fixed', 'epochs'],
            message:
              'strategy asha needs fixed.epochs (or fixed.max_epochs), a positive integer (the epochs of every trial)',
          },
        ];
      // zod still runs refinements over values that failed a check: a factor below 2 was refused already
      if (!(rf >= 2) || rungs(epochs).length > 0) return [];
      return strategy.min_epochs === undefined
        ? [
            {
              path: ['fixed', 'epochs'],
              message: `strategy asha needs at least 2 epochs to compare trials before the end (fixed.epochs is ${epochs})`,
            },
          ]
        : [
            {
              path: ['strategy', 'min_epochs'],
              message: `min_epochs must be below fixed.epochs (${epochs}), or no trial is ever compared`,
            },
          ];
    },
  };
}

const RULES: { [K in Strategy['kind']]: (s: Extract<Strategy, { kind: K }>) => StrategyRules } = {
  grid: () => GRID,
  asha: ashaRules,
};

/** The rules of a sweep's strategy. */
export function strategyRules(strategy: Strategy): StrategyRules {
  return (RULES[strategy.kind] as (s: Strategy) => StrategyRules)(strategy);
}

/** Rung epochs of `strategy` for trials of `epochs` epochs, ascending (none for grid). */
export function rungEpochs(strategy: Strategy, epochs: number): number[] {
  return strategyRules(strategy).rungs(epochs);
}

/** The order in which a sweep's new trials are enqueued (asha: by trial id; grid: the grid's own order). */
export function startOrder<T extends { trialId: string }>(strategy: Strategy, jobs: T[]): T[] {
  return strategyRules(strategy).startOrder(jobs);
}

/** What `strategy` can cost in trial epochs next to the full grid, for the form the sweep's trainer gets. */
export function epochBudget(
  strategy: Strategy,
  epochs: number,
  trialsPerCheckpoint: number,
  checkpoints: number,
  pauses = false,
): EpochBudget {
  return strategyRules(strategy).epochBudget(epochs, trialsPerCheckpoint, checkpoints, pauses);
}
