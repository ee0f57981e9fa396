import { mkdir, mkdtemp, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { adoptMmdetSnapshot, mmdetSnapshotFiles } from './snapshot-files.ts';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function trialDir(): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), 'sweeps-mmdet-snap-'));
  dirs.push(d);
  await mkdir(path.join(d, 'work_dir'), { recursive: true });
  return d;
}

describe("MMDetection's snapshots as files that travel", () => {
  it('v3: the snapshot last_checkpoint names (its absolute path is this host’s), none without it', async () => {
    const d = await trialDir();
    expect(await mmdetSnapshotFiles(3, d)).toBeNull();
    await writeFile(path.join(d, 'work_dir', 'epoch_2.pth'), 'weights 2');
    await writeFile(path.join(d, 'work_dir', 'epoch_3.pth'), 'weights 3');
    // written by MMEngine after epoch_2.pth was saved; epoch_3.pth may be half written
    await writeFile(
      path.join(d, 'work_dir', 'last_checkpoint'),
      '/other/host/work_dir/epoch_2.pth',
    );
    expect(await mmdetSnapshotFiles(3, d)).toEqual({ epoch: 2, files: ['work_dir/epoch_2.pth'] });
    await writeFile(path.join(d, 'work_dir', 'last_checkpoint'), '/x/work_dir/epoch_9.pth');
    expect(await mmdetSnapshotFiles(3, d)).toBeNull(); // names a file this directory lacks
  });

  it('v3: a fetched snapshot becomes the resume point with the fetching host’s path', async () => {
    const d = await trialDir();
    await writeFile(path.join(d, 'work_dir', 'epoch_4.pth'), 'weights 4');
    expect(await adoptMmdetSnapshot(3, d, { epoch: 4, files: ['work_dir/epoch_4.pth'] })).toEqual([
      'work_dir/last_checkpoint',
    ]);
    expect(await readFile(path.join(d, 'work_dir', 'last_checkpoint'), 'utf8')).toBe(
      path.join(d, 'work_dir', 'epoch_4.pth'),
    );
    expect(await mmdetSnapshotFiles(3, d)).toEqual({ epoch: 4, files: ['work_dir/epoch_4.pth'] });
  });

  it('v2: latest.pth links to the snapshot; a fetched one is linked again', async () => {
    const d = await trialDir();
    await writeFile(path.join(d, 'work_dir', 'epoch_5.pth'), 'weights 5');
    await symlink('epoch_5.pth', path.join(d, 'work_dir', 'latest.pth'));
    expect(await mmdetSnapshotFiles(2, d)).toEqual({ epoch: 5, files: ['work_dir/epoch_5.pth'] });
    const e = await trialDir();
    await writeFile(path.join(e, 'work_dir', 'epoch_5.pth'), 'weights 5');
    await adoptMmdetSnapshot(2, e, { epoch: 5, files: ['work_dir/epoch_5.pth'] });
    expect(await readlink(path.join(e, 'work_dir', 'latest.pth'))).toBe('epoch_5.pth');
  });
});
