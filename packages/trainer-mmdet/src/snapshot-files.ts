/**
 * MMDetection's snapshots (its `epoch_N.pth` "checkpoints" in the trial's work dir) as files that travel between
 * hosts through the snapshot store. The resume point names the newest: v3's `last_checkpoint` (a text file holding
 * the snapshot's absolute path, written after the snapshot), v2's `latest.pth` (a link to it). Only the `.pth`
 * travels; the pointer is written again on the host that fetched it, with that host's path.
 */
import { lstat, readFile, readdir, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { SnapshotFiles } from '@sweeps/core';
import { trialPaths } from './launch.ts';

const SNAPSHOT_RE = /^(?:epoch|iter)_(\d{1,9})\.pth$/;

/** The newest complete snapshot in the trial's work dir, or null (no resume point, or one naming no snapshot). */
export async function mmdetSnapshotFiles(
  version: 2 | 3,
  trialDir: string,
): Promise<SnapshotFiles | null> {
  const { workDir } = trialPaths(trialDir);
  const name = version === 3 ? await v3Pointer(workDir) : await v2Pointer(workDir);
  const m = name ? SNAPSHOT_RE.exec(name) : null;
  if (!name || !m) return null;
  const s = await lstat(path.join(workDir, name)).catch(() => null);
  return s?.isFile() ? { epoch: Number(m[1]), files: [`work_dir/${name}`] } : null;
}

/** The snapshot `last_checkpoint` names (its base name: the file lies in the work dir), bounded. */
async function v3Pointer(workDir: string): Promise<string | null> {
  const text = await readFile(path.join(workDir, 'last_checkpoint'), 'utf8').catch(() => null);
  if (text === null || text.length > 4096) return null;
  return path.basename(text.trim());
}

/** What `latest.pth` links to, else (a copy) the highest-numbered snapshot in the work dir. */
async function v2Pointer(workDir: string): Promise<string | null> {
  const latest = path.join(workDir, 'latest.pth');
  const s = await lstat(latest).catch(() => null);
  if (!s) return null;
  if (s.isSymbolicLink()) return path.basename(await readlink(latest));
  const names = (await readdir(workDir)).filter((n) => SNAPSHOT_RE.test(n));
  names.sort((a, b) => Number(SNAPSHOT_RE.exec(a)![1]) - Number(SNAPSHOT_RE.exec(b)![1]));
  return names.at(-1) ?? null;
}

/**
 * Makes a fetched snapshot this host's resume point: `last_checkpoint` (v3) or `latest.pth` (v2) names it. Returns
 * the file it wrote, relative to the trial directory.
 */
export async function adoptMmdetSnapshot(
  version: 2 | 3,
  trialDir: string,
  snapshot: SnapshotFiles,
): Promise<string[]> {
  const { workDir } = trialPaths(trialDir);
  const file = snapshot.files.find((f) => f.startsWith('work_dir/') && f.endsWith('.pth'));
  if (!file) return [];
  const name = path.basename(file);
  if (version === 3) {
    await writeFile(path.join(workDir, 'last_checkpoint'), path.join(workDir, name));
    return ['work_dir/last_checkpoint'];
  }
  const latest = path.join(workDir, 'latest.pth');
  await rm(latest, { force: true });
  await symlink(name, latest);
  return ['work_dir/latest.pth'];
}
