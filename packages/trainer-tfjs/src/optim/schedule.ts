/**
 * Learning-rate schedule of the study: mmcv's `StepLrUpdaterHook` (by epoch) with a warm-up by iterations,
 * i.e. MMDetection's `lr_config = dict(policy='step', warmup='linear', warmup_iters=500, warmup_ratio=0.001,
 * step=[8, 11])`.
 */

/** Warm-up over the first iterations (mmcv `warmup`, `warmup_iters`, `warmup_ratio`). */
export interface WarmupConfig {
  /** Number of warm-up iterations (> 0), counted from the first iteration of training. */
  iters: number;
  /** The lr at iteration 0 is `ratio` × the regular lr; in (0, 1]. */
  ratio: number;
  /** mmcv's warm-up kinds; the study uses 'linear'. Default 'linear'. */
  kind?: 'linear' | 'constant' | 'exp';
}

/** A step schedule; `steps` are epochs (0-based epoch index at which the decay starts, as in mmcv). */
export interface StepScheduleConfig {
  baseLr: number;
  itersPerEpoch: number;
  epochs: number;
  /** Epochs after which the lr is multiplied by `gamma`, e.g. [8, 11] for the 1x schedule. */
  steps: readonly number[];
  /** Default 0.1. */
  gamma?: number;
  /** Omit for no warm-up. */
  warmup?: WarmupConfig;
}

/**
 * The lr mmcv sets before global iteration `iter` (0-based): the regular lr of the current epoch,
 * `baseLr * gamma^(number of steps <= epoch)`, times the warm-up factor while `iter < warmup.iters`:
 * linear `1 - (1 - iter / iters) * (1 - ratio)`, constant `ratio`, exp `ratio^(1 - iter / iters)`.
 * Warm-up multiplies the epoch's regular lr, so a decay inside the warm-up shows, as in mmcv.
 */
export function lrAt(iter: number, config: StepScheduleConfig): number {
  validateSchedule(config);
  const epoch = Math.floor(iter / config.itersPerEpoch);
  const regular = regularLr(epoch, config);
  const w = config.warmup;
  if (w === undefined || iter >= w.iters) return regular;
  const kind = w.kind ?? 'linear';
  if (kind === 'constant') return regular * w.ratio;
  if (kind === 'exp') return regular * w.ratio ** (1 - iter / w.iters);
  const k = (1 - iter / w.iters) * (1 - w.ratio);
  return regular * (1 - k);
}

/** The lr of an epoch without warm-up: `baseLr * gamma^exp`, exp = index of the first step > epoch. */
export function regularLr(epoch: number, config: StepScheduleConfig): number {
  let exp = config.steps.length;
  for (let i = 0; i < config.steps.length; i++) {
    if (epoch < (config.steps[i] as number)) {
      exp = i;
      break;
    }
  }
  return config.baseLr * (config.gamma ?? 0.1) ** exp;
}

/**
 * Rescales the decay epochs of a reference schedule (default the 1x: steps 8 and 11 of 12 epochs) to `epochs`.
 * Each step becomes `floor(step * epochs / refEpochs)`, at least 1. Rounding down keeps every decay inside the
 * run (a step below `refEpochs` maps below `epochs`) and never lengthens the share of training at the base
 * lr; 24 epochs gives [16, 22] (MMDetection's 2x), 36 gives [24, 33]. Steps that collide are kept: mmcv then
 * applies both decays at that epoch, so the final lr is the same as in the reference schedule.
 */
export function rescaleSteps(
  epochs: number,
  steps: readonly number[] = [8, 11],
  refEpochs = 12,
): number[] {
  if (!Number.isInteger(epochs) || epochs < 1)
    throw new Error(`schedule: invalid epoch count ${epochs}`);
  return steps.map((s) => Math.max(1, Math.floor((s * epochs) / refEpochs)));
}

function validateSchedule(c: StepScheduleConfig): void {
  if (!(c.itersPerEpoch >= 1))
    throw new Error(`schedule: itersPerEpoch must be >= 1, got ${c.itersPerEpoch}`);
  if (c.steps.some((s) => !(s > 0)))
    throw new Error(`schedule: steps must be positive, got [${c.steps.join(', ')}]`);
  const w = c.warmup;
  if (w && !(w.iters > 0))
    throw new Error(`schedule: warmup.iters must be positive, got ${w.iters}`);
  if (w && !(w.ratio > 0 && w.ratio <= 1))
    throw new Error(`schedule: warmup.ratio must be in (0, 1], got ${w.ratio}`);
}
