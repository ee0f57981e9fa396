import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * The trial's snapshot directory (its own resume files, created by the trainer when it writes there) and, when an
 * earlier run may have left one (`resume`: a later attempt, or a trial asha paused at a rung), the newest file in it.
 */
export async function findSnapshotDir(
  dataDir: string,
  trialId: string,
  resume: boolean,
): Promise<{ dir: string; latest?: string }> {
  const dir = path.join(dataDir, 'trials', trialId);
  if (!resume) return { dir }; // nothing to resume from
  const names = await readdir(dir).catch(() => [] as string[]);
  let latest: { file: string; mtime: number } | undefined;
  for (const name of names) {
    const file = path.join(dir, name);
    const s = await stat(file);
    if (s.isFile() && (!latest || s.mtimeMs > latest.mtime)) latest = { file, mtime: s.mtimeMs };
  }
  return latest ? { dir, latest: latest.file } : { dir };
}
