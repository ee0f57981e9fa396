import { mkdir, readdir, stat } from 'node:fs/promises';
import path from 'node:path';

/** Creates the trial's checkpoint directory; on a later attempt also finds the newest file an earlier one left. */
export async function prepareCheckpointDir(dataDir: string, trialId: string, firstAttempt: boolean): Promise<{ dir: string; latest?: string }> {
  const dir = path.join(dataDir, 'trials', trialId);
  await mkdir(dir, { recursive: true });
  if (firstAttempt) return { dir }; // nothing to resume from
  const names = await readdir(dir);
  let latest: { file: string; mtime: number } | undefined;
  for (const name of names) {
    const file = path.join(dir, name);
    const s = await stat(file);
    if (s.isFile() && (!latest || s.mtimeMs > latest.mtime)) latest = { file, mtime: s.mtimeMs };
  }
  return latest ? { dir, latest: latest.file } : { dir };
}
