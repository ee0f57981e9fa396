import { rescaleSteps, type StepScheduleConfig } from '../optim/schedule.ts';

/** Iterations of the study's 1x run: 12 epochs x 7,330 iterations (COCO train2017 at total batch 16). */
export const STUDY_TOTAL_ITERS = 12 * 7330;
/** The study's warm-up: 500 iterations from 0.001 x lr (MMDetection's 1x `lr_config`). */
export const STUDY_WARMUP = { iters: 500, ratio: 0.001 } as const;

/**
 * A step schedule stated independently of the data size. Defaults are the study's 1x: decays after epochs 8
 * and 11 of 12 (rescaled to `epochs`), x0.1 each, linear warm-up of 500 iterations from 0.001 x lr.
 */
export interface ScheduleSettings {
  baseLr: number;
  epochs: number;
  /** Decay epochs; default `rescaleSteps(epochs, refSteps, refEpochs)`. */
  steps?: readonly number[];
  /** Reference schedule to rescale when `steps` is absent: default [8, 11] of 12 (the 1x). */
  refSteps?: readonly number[];
  refEpochs?: number;
  /** Default 0.1. */
  gamma?: number;
  /** Warm-up iterations; 0 turns warm-up off. Default 500. */
  warmupIters?: number;
  /** Default 0.001. */
  warmupRatio?: number;
  /**
   * `scaled` (default): warm-up takes the same share of training as in the study's 1x run
   * (`warmupIters` x total iterations / 87,960, at least 1 iteration), so a 700-iteration run does not spend
   * most of its time warming up. `fixed`: exactly `warmupIters`.
   */
  warmupScaling?: 'scaled' | 'fixed';
}

/** Warm-up iterations after scaling; 0 means none. */
export function warmupItersFor(s: ScheduleSettings, totalIters: number): number {
  const iters = s.warmupIters ?? STUDY_WARMUP.iters;
  if (iters <= 0) return 0;
  if ((s.warmupScaling ?? 'scaled') === 'fixed') return iters;
  return Math.max(1, Math.min(iters, Math.round((iters * totalIters) / STUDY_TOTAL_ITERS)));
}

/** The `lrAt` configuration of a run with `itersPerEpoch` batches per epoch. */
export function buildSchedule(s: ScheduleSettings, itersPerEpoch: number): StepScheduleConfig {
  const steps = s.steps
    ? [...s.steps]
    : rescaleSteps(s.epochs, s.refSteps ?? [8, 11], s.refEpochs ?? 12);
  const warmupIters = warmupItersFor(s, itersPerEpoch * s.epochs);
  const config: StepScheduleConfig = {
    baseLr: s.baseLr,
    itersPerEpoch,
    epochs: s.epochs,
    steps,
    gamma: s.gamma ?? 0.1,
  };
  if (warmupIters > 0) {
    config.warmup = {
      iters: warmupIters,
      ratio: s.warmupRatio ?? STUDY_WARMUP.ratio,
      kind: 'linear',
    };
  }
  return config;
}
