/**
 * What a sweep's strategy can cost in trial epochs, next to the full grid: the figures `preview` shows before
 * anything runs. Pure arithmetic over the promotion rule in `strategy.ts`.
 */
import { rungEpochs, rungPlaces, type Strategy } from './strategy.ts';

/** What an asha sweep can cost, in trial epochs, next to the full grid. */
export interface EpochBudget {
  rungs: number[];
  /** The epochs of every trial (`fixed.epochs`): what a trial that is never pruned runs. */
  trialEpochs: number;
  /** Every trial to the end: what the full grid costs. */
  fullGrid: number;
  /** The most asha can cost: values arriving in improving order promote everyone. */
  most: number;
  /**
   * The fewest: best values first, so the first rung's places (max(1, floor(n / rf))) pass it and one trial per
   * checkpoint passes each later rung.
   */
  fewest: number;
  /** Synchronous successive halving's cost (floor(n / rf^k) per rung): the ideal of a rule that could wait. */
  typical: number;
  /**
   * The expected cost when trials reach each rung one at a time in a random order (they start in a pseudo-random
   * order): between `typical` and `most`, since early arrivals at a rung go on before it fills.
   */
  expected: number;
}

/** Expected trials passing a rung reached by `arrivals` trials in random order, each with `places(i)` of `i`. */
function expectedPasses(arrivals: number, places: (i: number) => number): number {
  let passes = 0;
  const whole = Math.floor(arrivals);
  for (let i = 1; i <= whole; i++) passes += Math.min(1, places(i) / i);
  // a fractional expected arrival counts in proportion
  const rest = arrivals - whole;
  if (rest > 0) passes += rest * Math.min(1, places(whole + 1) / (whole + 1));
  return passes;
}

/**
 * Epoch figures for `trialsPerCheckpoint` trials on each of `checkpoints` checkpoints, each of `epochs` epochs.
 * The fewest follows from the promotion rule ({@link rungPlaces}): with values arriving best first, the first
 * rung's places go on from it, and at a later rung the i-th trial ranks i and goes on only if
 * i <= max(1, floor(i / rf)), i.e. only the first. The expected figure: the i-th of n arrivals in random order
 * ranks within the first p places of the i values so far with probability min(1, p / i).
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
    const all = { most: fullGrid, fewest: fullGrid, typical: fullGrid, expected: fullGrid };
    return { rungs, trialEpochs: epochs, fullGrid, ...all };
  }
  const rf = strategy.reduction_factor;
  const stops = [...rungs, epochs];
  const n = trialsPerCheckpoint;
  const cost = (after: (i: number, reaching: number) => number) => {
    let total = 0;
    let reaching = n;
    for (const [i, stop] of stops.entries()) {
      total += reaching * (stop - (i === 0 ? 0 : stops[i - 1]!));
      reaching = after(i, reaching);
    }
    return total * checkpoints;
  };
  return {
    rungs,
    trialEpochs: epochs,
    fullGrid,
    most: fullGrid,
    fewest: cost((i) => (i === 0 ? rungPlaces(n, rf) : 1)),
    typical: cost((_, reaching) => Math.max(1, Math.floor(reaching / rf))),
    expected: Math.round(
      cost((i, reaching) =>
        expectedPasses(reaching, (k) => (i === 0 ? rungPlaces(k, rf, n) : rungPlaces(k, rf))),
      ),
    ),
  };
}
