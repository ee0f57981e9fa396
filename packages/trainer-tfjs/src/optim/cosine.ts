/**
 * Cosine learning-rate decay after a linear warm-up, per iteration, as torch's `LinearLR(start_factor)` for the
 * warm-up followed by `CosineAnnealingLR(T_max = total - warm-up, eta_min)` (chained by `SequentialLR`): the
 * rsb-A1 and tnr recipes' schedule (tnr: warm-up from 0.01 x lr).
 */
export interface CosineScheduleConfig {
  baseLr: number;
  totalIters: number;
  /** Iterations of linear warm-up; 0 turns it off. */
  warmupIters: number;
  /** The warm-up's start factor (lr x ratio at iteration 0). Default 0.01. */
  warmupRatio?: number;
  /** The lr the cosine reaches at its end. Default 0. */
  minLr?: number;
}

/** The learning rate of iteration `it` (0-based). */
export function cosineLrAt(it: number, c: CosineScheduleConfig): number {
  const minLr = c.minLr ?? 0;
  if (it < c.warmupIters) {
    const ratio = c.warmupRatio ?? 0.01;
    return c.baseLr * (ratio + ((1 - ratio) * it) / c.warmupIters);
  }
  const span = c.totalIters - c.warmupIters;
  if (span <= 0) return c.baseLr;
  const t = Math.min(it - c.warmupIters, span);
  return minLr + ((c.baseLr - minLr) * (1 + Math.cos((Math.PI * t) / span))) / 2;
}
