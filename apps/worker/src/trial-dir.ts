import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Trainer, TrialRun } from '@sweeps/core';

/**
 * The trial directory (the trial's own folder on this worker: its snapshots, logs and derived config, created by
 * the trainer when it writes there) and, when an earlier run may have left something (`resume`: a later attempt, or a trial asha paused at a rung), what it left,
 * as the trainer says ({@link Trainer.findSnapshot}; by default the newest plain file in the directory).
 */
export async function findTrialDir(
  dataDir: string,
  trialId: string,
  resume: boolean,
  trainer: Pick<Trainer, 'findSnapshot'>,
  run: TrialRun,
): Promise<{ dir: string; latest?: string }> {
  const dir = trialDirOf(dataDir, trialId);
  if (!resume) return { dir }; // nothing to resume from
  const latest = trainer.findSnapshot
    ? await trainer.findSnapshot(run, dir)
    : await newestFile(dir);
  return latest ? { dir, latest } : { dir };
}

/** The trial directory of `trialId` under the worker's data directory. */
export function trialDirOf(dataDir: string, trialId: string): string {
  return path.join(dataDir, 'trials', trialId);
}

/** The newest plain file directly in `dir`, or null. */
export async function newestFile(dir: string): Promise<string | null> {
  const names = await readdir(dir).catch(() => [] as string[]);
  let latest: { file: string; mtime: number } | undefined;
  for (const name of names) {
    const file = path.join(dir, name);
    const s = await stat(file).catch(() => null);
    if (s?.isFile() && (!latest || s.mtimeMs > latest.mtime)) latest = { file, mtime: s.mtimeMs };
  }
  return latest?.file ?? null;
}
