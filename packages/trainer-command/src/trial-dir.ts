/**
 * Directories a trainer creates for a trial's processes, when those run as another (unprivileged) user than the
 * worker: handed to that user so the processes can write in them. The link itself is changed, never what it
 * points to, so a link a trial left in its directory cannot make the worker hand over anything else.
 */
import { lchown } from 'node:fs/promises';
import type { TrialUser } from '@sweeps/core';

export async function handToTrial(dir: string, runAs: TrialUser | undefined): Promise<void> {
  if (runAs) await lchown(dir, runAs.uid, runAs.gid);
}
