/**
 * Whether a best setting's lead is more than seed noise: the Welch interval of its gain over the baseline's best
 * cell and the Welch p-value against the checkpoint's runner-up, from the cells' per-seed summaries.
 */
import type { CellResult } from './aggregate.ts';
import { welchInterval, welchPValue } from './statistics.ts';

export interface BestRowStatistics {
  /** 95 % Welch interval of (best mean - baseline best mean); null with fewer than 2 seeds on either side. */
  gain_ci95: [number, number] | null;
  /** The checkpoint's second-best cell; null with a single cell. */
  runner_up: CellResult | null;
  /** Two-sided Welch t-test p-value of best vs runner-up; null with fewer than 2 seeds on either side. */
  p_vs_runner_up: number | null;
  /** True when `gain_ci95` contains 0; null without an interval. */
  within_noise: boolean | null;
}

const summary = (c: CellResult) => ({ mean: c.mean, std: c.std, n: c.n });

export function bestRowStatistics(
  best: CellResult | null,
  runnerUp: CellResult | null,
  baselineBest: CellResult | null,
  isBaseline: boolean,
): BestRowStatistics {
  const ci =
    best && baselineBest && !isBaseline
      ? welchInterval(summary(best), summary(baselineBest))
      : null;
  return {
    gain_ci95: ci,
    runner_up: runnerUp,
    p_vs_runner_up: best && runnerUp ? welchPValue(summary(best), summary(runnerUp)) : null,
    within_noise: ci === null ? null : ci[0] <= 0 && ci[1] >= 0,
  };
}
