/**
 * What a worker's policy says of an `mmdet` section: MMDetection's interpreter running `tools/train.py` is checked
 * as a command, run from `root`, and the config (which MMDetection executes) must lie in the worker's directories.
 */
import {
  refuseCommand,
  refuseCwd,
  resolvePosix,
  type TrainerSection,
  type WorkerPolicy,
} from '@sweeps/core';

/** The command an `mmdet` trial is checked as (one GPU or several): its interpreter running MMDetection's script. */
export function mmdetCommand(python: string): string[] {
  return [python, 'tools/train.py'];
}

/**
 * Why the policy refuses an `mmdet` trainer, or null: MMDetection's interpreter (`python`, default `python3`)
 * running `tools/train.py` is checked as a command (so `python3 tools/train.py` may be allowed alone), run from
 * `root`, which must lie in the worker's directories.
 */
export function refuseMmdet(
  policy: WorkerPolicy,
  trainer: { root?: string; python?: string; config?: string },
): string | null {
  const root = resolvePosix(policy.workDir, trainer.root ?? '.');
  const rootRefused = refuseCwd(policy, root);
  if (rootRefused) return `trainer.root: ${rootRefused}`;
  // MMDetection executes its config: a config outside the worker's directories is any code a sweep brings
  const config = trainer.config === undefined ? null : resolvePosix(root, trainer.config);
  const configRefused = config && refuseCwd(policy, config, 'the config');
  if (configRefused) return `trainer.config: ${configRefused}`;
  const pythonRefused = refuseCommand(policy, mmdetCommand(trainer.python ?? 'python3'), root);
  return pythonRefused ? `trainer.python: ${pythonRefused}` : null;
}

/**
 * {@link refuseMmdet} of a sweep file's section. Its fields are checked by the mmdet schema at submission; here
 * only what the policy reads, where it is well formed.
 */
export function refuseMmdetSection(policy: WorkerPolicy, trainer: TrainerSection): string | null {
  const { root, python, config } = trainer;
  return refuseMmdet(policy, {
    ...(typeof root === 'string' ? { root } : {}),
    ...(typeof python === 'string' ? { python } : {}),
    ...(typeof config === 'string' ? { config } : {}),
  });
}
