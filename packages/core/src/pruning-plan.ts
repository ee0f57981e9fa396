/** Which rungs a trial reports at: what a worker reads once per trial before it stores any epoch. */
import type { SweepSpec } from './spec.ts';
import { isConfirmSeed, trialEpochs } from './strategy.ts';
import { strategyRules } from './strategy-rules.ts';

/** What a worker needs to know, once per trial, to report rungs. */
export interface PruningPlan {
  rungs: number[];
  metric: string;
  /** False when the sweep says `pause: false`: every trial is decided at once, even if its trainer resumes. */
  mayPause: boolean;
}

/**
 * The trial's rungs and the metric they judge; null when the trial is never pruned: its strategy has no rungs for
 * its epochs (grid), or its seed is a confirm-stage seed (those trials always run to the end).
 */
export function pruningPlanOf(spec: SweepSpec, seed: number): PruningPlan | null {
  const epochs = trialEpochs(spec.fixed);
  if (epochs === null || isConfirmSeed(spec.seeds, spec.confirm, seed)) return null;
  const strategy = strategyRules(spec.strategy);
  const rungs = strategy.rungs(epochs);
  return rungs.length > 0
    ? { rungs, metric: spec.metric.name, mayPause: strategy.pauses(true) }
    : null;
}

/**
 * What the end of a trial of this sweep can set off, beyond its own row: `settleRungs`, trials paused at a rung that
 * its end can promote or prune (asha in its promotion form); `confirm`, the checkpoint's confirm trials (a confirm
 * stage). Both are fixed for a sweep's life (an extension adds only checkpoints, grid values and seeds), so a
 * worker may keep them per sweep and skip the follow-up's reads where both are false.
 */
export interface TrialFollowUps {
  settleRungs: boolean;
  confirm: boolean;
}

export function trialFollowUpsOf(spec: SweepSpec): TrialFollowUps {
  return {
    settleRungs: strategyRules(spec.strategy).pauses(true),
    confirm: spec.confirm !== undefined,
  };
}
