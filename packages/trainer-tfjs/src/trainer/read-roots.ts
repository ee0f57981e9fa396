/**
 * Where a `tfjs` trial may read from: the worker's directories (see `checkReadable` in @sweeps/trainer-command) and
 * this package's bundled backbones, whatever the worker's directories.
 */
import { fileURLToPath } from 'node:url';
import { checkReadable as checkInRoots } from '@sweeps/trainer-command/read-roots';

/** The committed backbone weights this package ships (`backbones/`), readable whatever the worker's directories. */
export const BUNDLED_BACKBONES = fileURLToPath(new URL('../../backbones', import.meta.url));

/**
 * Throws `PermanentTrialError` (`invalid`) when `file` (absolute) lies outside `roots` and the bundled backbones.
 * `what` names the setting, e.g. `trainer.options.data_dir`.
 */
export function checkReadable(what: string, file: string, roots: readonly string[]): void {
  checkInRoots(what, file, [...roots, BUNDLED_BACKBONES]);
}
