/**
 * Retention of trial directories (`<SWEEPS_DATA_DIR>/trials/<trial id>`: snapshots, logs): a worker removes the
 * directories of trials that finished more than `SWEEPS_TRIAL_DIR_RETENTION_H` hours ago, and of trials PostgreSQL no
 * longer knows (their sweep was deleted) once the directory is that old. Queued and running trials are never touched
 * (a retry resumes from its directory). 0, the default, keeps everything.
 */
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { type Db, finishTimesOf } from '@sweeps/db';

const TRIAL_DIR = /^tr_[0-9a-f]{1,40}$/;

/** Removes the expired trial directories under `dataDir`; returns the trial ids whose directories were removed. */
export async function removeExpiredTrialDirs(
  db: Db,
  dataDir: string,
  retentionMs: number,
  now = Date.now(),
): Promise<string[]> {
  const root = path.join(dataDir, 'trials');
  const names = (await readdir(root).catch(() => [] as string[])).filter((n) => TRIAL_DIR.test(n));
  const removed: string[] = [];
  for (let i = 0; i < names.length; i += 500) {
    const ids = names.slice(i, i + 500);
    const finished = await finishTimesOf(db, ids);
    for (const id of ids) {
      const dir = path.join(root, id);
      const at = finished.get(id);
      const expired = finished.has(id)
        ? at != null && now - at.getTime() > retentionMs
        : now - (await stat(dir).catch(() => ({ mtimeMs: now }))).mtimeMs > retentionMs;
      if (!expired) continue;
      await rm(dir, { recursive: true, force: true });
      removed.push(id);
    }
  }
  return removed;
}

/** Runs `removeExpiredTrialDirs` now and every `everyMs` (errors reported, never thrown); returns a stop function. */
export function startTrialDirRetention(
  db: Db,
  dataDir: string,
  retentionMs: number,
  log: (line: string) => void,
  everyMs = 15 * 60_000,
): () => void {
  if (retentionMs <= 0) return () => {};
  const tick = () =>
    removeExpiredTrialDirs(db, dataDir, retentionMs).then(
      (ids) => {
        if (ids.length) log(`retention: removed ${ids.length} finished trial director(ies)`);
      },
      (err) => log(`retention failed: ${(err as Error).message}`),
    );
  void tick();
  const timer = setInterval(() => void tick(), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
