/**
 * How an MMDetection run failed, in the words the trial's record uses: `oom: ...` for CUDA out of memory (seen
 * anywhere in the output), `diverged: ...` for a NaN or infinite loss (the run is stopped at once: its mAP would
 * be meaningless), and "metric bbox_mAP never appeared" for a run that exited 0 without evaluating.
 */
import { PermanentTrialError } from '@sweeps/core';

/** The first loss among an epoch's metrics that is NaN or infinite, if any. */
export function divergedLoss(metrics: Record<string, number>): string | null {
  for (const [k, v] of Object.entries(metrics))
    if (k.startsWith('loss') && !Number.isFinite(v)) return `${k} = ${v}`;
  return null;
}

/** Marks the run stopped because its loss diverged. */
export class LossDiverged extends Error {}

export function outOfMemory(gpus: string, tail: string): PermanentTrialError {
  return new PermanentTrialError(
    `oom: CUDA out of memory on GPU(s) ${gpus || '(none visible)'}: lower fixed.batch_size or use more GPUs per trial\n${tail}`,
    'oom',
  );
}

export function diverged(what: string, tail: string): PermanentTrialError {
  return new PermanentTrialError(`diverged: ${what} (lr too high?)\n${tail}`, 'diverged');
}

export function metricMissing(metric: string, tail: string): PermanentTrialError {
  return new PermanentTrialError(
    `metric ${metric} never appeared: tools/train.py exited 0 without reporting it (is evaluation on, with metric='bbox'?)\n${tail}`,
    'failed',
  );
}
