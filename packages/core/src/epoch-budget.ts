/**
 * What a sweep's strategy can cost in trial epochs, next to the full grid: the figures `preview` shows before
 * anything runs. Pure arithmetic over the promotion rules in `strategy.ts`, for the form the sweep's trainer gets:
 * stop-or-go, or pausing when its trials resume from snapshots.
 */
import { rungPlaces } from './strategy.ts';

/** What an asha sweep can cost, in trial epochs, next to the full grid. */
export interface EpochBudget {
  rungs: number[];
  /**
   * Whether the sweep's trainer resumes from snapshots, so that asha pauses its trials at undecided rungs (the
   * promotion form) instead of deciding each at once (stop-or-go). The figures below are for that form.
   */
  pauses: boolean;
  /** The epochs of every trial (`fixed.epochs`): what a trial that is never pruned runs. */
  trialEpochs: number;
  /** Every trial to the end: what the full grid costs. */
  fullGrid: number;
  /** The most asha can cost: values arriving in improving order promote everyone. */
  most: number;
  /**
   * The fewest: best values first. Stop-or-go: the first rung's places (max(1, floor(n / rf))) pass it and one
   * trial per checkpoint passes each later rung. Pausing: synchronous halving's cost (`typical`).
   */
  fewest: number;
  /** Synchronous successive halving's cost (floor(n / rf^k) per rung): the ideal of a rule that could wait. */
  typical: number;
  /**
   * The expected cost when trials reach each rung one at a time in a random order (they start in a pseudo-random
   * order): between `typical` and `most`, since early arrivals at a rung go on before it fills (stop-or-go) or are
   * promoted while they lead it (pausing; much closer to `typical`).
   */
  expected: number;
}

/** A small seeded generator (mulberry32): the pausing estimate is the same on every preview. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Expected trials promoted from a rung that `n` trials reach in a random order, under the promotion form
 * ({@link settleRung}): a trial is promoted when, at some arrival i at or after its own, it is among the top
 * floor(i / rf) of the first i values, or among the top max(1, floor(n / rf)) once all n are in. Estimated over
 * seeded random orders (a Fenwick tree finds each arrival's threshold), so it costs O(n log n) per order.
 */
export function expectedPromotions(n: number, rf: number): number {
  if (n <= 0) return 0;
  const orders = Math.max(20, Math.min(400, Math.floor(400_000 / n)));
  const rand = seeded(0x5eed + n * 31 + rf);
  const tree = new Int32Array(n + 1);
  let log = 1;
  while (log * 2 <= n) log *= 2;
  /** The k-th largest value (1-based) among those inserted; values are 1..n. */
  const kthLargest = (k: number, inserted: number) => {
    let target = inserted - k + 1; // the target-th smallest
    let pos = 0;
    for (let step = log; step > 0; step >>= 1) {
      if (pos + step <= n && tree[pos + step]! < target) {
        pos += step;
        target -= tree[pos]!;
      }
    }
    return pos + 1;
  };
  let total = 0;
  const values = new Int32Array(n);
  const threshold = new Float64Array(n);
  for (let o = 0; o < orders; o++) {
    for (let i = 0; i < n; i++) values[i] = i + 1;
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [values[i], values[j]] = [values[j]!, values[i]!];
    }
    tree.fill(0);
    for (let i = 0; i < n; i++) {
      for (let x = values[i]!; x <= n; x += x & -x) tree[x]!++;
      const places = i === n - 1 ? Math.max(1, Math.floor(n / rf)) : Math.floor((i + 1) / rf);
      threshold[i] = places > 0 ? kthLargest(places, i + 1) : Number.POSITIVE_INFINITY;
    }
    let lowest = Number.POSITIVE_INFINITY; // the lowest threshold from arrival i on
    for (let i = n - 1; i >= 0; i--) {
      lowest = Math.min(lowest, threshold[i]!);
      if (values[i]! >= lowest) total++;
    }
  }
  return total / orders;
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

/** What a budget is figured for: the sweep's grid, its trials' rungs and epochs, and the form its trainer gets. */
export interface BudgetOf {
  rungs: number[];
  /** The epochs of every trial. */
  epochs: number;
  trialsPerCheckpoint: number;
  checkpoints: number;
  /** Whether asha pauses undecided trials (the promotion form) instead of deciding at once. */
  pauses: boolean;
}

/** Every trial runs to the end: every figure is the full grid (a grid sweep, or an asha sweep without rungs). */
export function fullGridBudget({
  rungs,
  epochs,
  trialsPerCheckpoint,
  checkpoints,
  pauses,
}: BudgetOf): EpochBudget {
  const fullGrid = trialsPerCheckpoint * checkpoints * epochs;
  const all = { most: fullGrid, fewest: fullGrid, typical: fullGrid, expected: fullGrid };
  return { rungs, pauses, trialEpochs: epochs, fullGrid, ...all };
}

/**
 * asha's epoch figures, with reduction factor `rf`, for `trialsPerCheckpoint` trials on each of `checkpoints`
 * checkpoints, each of `epochs` epochs, with these `rungs`. The fewest follows from the promotion rule
 * ({@link rungPlaces}): with values arriving best first, the first rung's places go on from it, and at a later rung
 * the i-th trial ranks i and goes on only if i <= max(1, floor(i / rf)), i.e. only the first. The expected figure:
 * the i-th of n arrivals in random order ranks within the first p places of the i values so far with probability
 * min(1, p / i).
 */
export function ashaEpochBudget(rf: number, of: BudgetOf): EpochBudget {
  const { rungs, epochs, trialsPerCheckpoint, checkpoints, pauses } = of;
  const flat = fullGridBudget(of);
  if (rungs.length === 0 || trialsPerCheckpoint === 0) return flat;
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
  const typical = cost((_, reaching) => Math.max(1, Math.floor(reaching / rf)));
  const expected = pauses
    ? cost((_, reaching) => expectedPromotions(Math.round(reaching), rf))
    : cost((i, reaching) =>
        expectedPasses(reaching, (k) => (i === 0 ? rungPlaces(k, rf, n) : rungPlaces(k, rf))),
      );
  return {
    ...flat,
    fewest: pauses ? typical : cost((i) => (i === 0 ? rungPlaces(n, rf) : 1)),
    typical,
    expected: Math.round(expected),
  };
}
