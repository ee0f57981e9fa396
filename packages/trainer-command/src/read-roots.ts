/**
 * Where a trial may make the worker read from: files a sweep names that the worker itself opens or hands to a
 * trainer (a `tfjs` trial's `data_dir` and file checkpoints, an `mmdet` trial's config and checkpoints) must lie in
 * the worker's directories (its policy's directories, its data dir), so a sweep cannot make the worker read any
 * file it can (`/proc/self/environ`, `/etc`). Links are resolved first: a link inside a directory that leads out of
 * it is refused. Checked before anything is read, even whether the path exists.
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { isInside, PermanentTrialError } from '@sweeps/core';

function real(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p; // not there: judged as written (and then reported missing if allowed)
  }
}

/**
 * Throws `PermanentTrialError` (`invalid`) when `file` (absolute) lies outside `roots`. `what` names the setting,
 * e.g. `trainer.options.data_dir`.
 */
export function checkReadable(what: string, file: string, roots: readonly string[]): void {
  const allowed = roots.map((r) => real(path.resolve(r)));
  const target = real(file);
  if (allowed.some((root) => isInside(target, root))) return;
  const link = target === file ? '' : ` (a link to ${target})`;
  throw new PermanentTrialError(
    `${what}: ${file}${link} is outside the directories this worker reads trial data from (${allowed.join(', ')}); its owner adds directories with --cwd-roots`,
    'invalid',
  );
}
