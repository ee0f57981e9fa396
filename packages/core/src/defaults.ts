/**
 * The defaults of a sweep file, named once: the spec's schemas fill them in, and a reader of a stored spec that
 * may lack a field falls back to the same value.
 */
import type { Goal } from './spec.ts';

/** Attempts per trial for transient failures (`max_attempts`). */
export const DEFAULT_MAX_ATTEMPTS = 3;

/** Whether the sweep's metric is better high or low (`metric.goal`). */
export const DEFAULT_GOAL: Goal = 'maximize';

/** SGD's momentum when the search space lists none (`space.optimizer.SGD.momentum`), as in the study's recipe. */
export const DEFAULT_MOMENTUM = 0.9;

/** AdamW's betas when the search space lists none, as in `torch.optim.AdamW`. */
export const DEFAULT_ADAMW_BETA1 = 0.9;
export const DEFAULT_ADAMW_BETA2 = 0.999;

/** The seeds every cell runs (`seeds`). */
export const DEFAULT_SEEDS: readonly number[] = [0];

/** asha: the fraction of a rung that goes on is 1 / reduction_factor (`strategy.reduction_factor`). */
export const DEFAULT_REDUCTION_FACTOR = 3;
