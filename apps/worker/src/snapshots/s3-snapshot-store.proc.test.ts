/**
 * The snapshot store against a real S3-compatible server (s3rver, started as a child process): upload, list,
 * fetch with checksums, retention, removal; a corrupted object (overwritten through the S3 API) refused with the
 * reason and the previous good snapshot fetched instead; a store that does not answer never throws out of a trial.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { TrialRun } from '@sweeps/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type S3Server, startS3Server } from '../../../../test/support/s3-server.ts';
import { readWorkerEnv } from '../env.ts';
import { objectStoreFromEnv } from './object-store-settings.ts';
import { S3SnapshotStore } from './s3-snapshot-store.ts';
import { TrialSnapshots } from './trial-snapshots.ts';

let s3: S3Server;
let store: S3SnapshotStore;
let root: string;

beforeAll(async () => {
  s3 = await startS3Server();
  // through the worker's own settings: endpoint, region, credentials, path style (auto: a custom endpoint)
  const env = readWorkerEnv({ DATABASE_URL: 'postgresql://x/y', ...s3.env('unit/') });
  const made = objectStoreFromEnv(env)!;
  expect(made.location).toEqual({ bucket: s3.bucket, prefix: 'unit/' });
  store = new S3SnapshotStore(made.client, made.location);
  root = await mkdtemp(path.join(tmpdir(), 'sweeps-snapshots-'));
}, 60_000);

afterAll(async () => {
  await s3?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

/** Writes the synthetic trainer's snapshot of `epoch` (epoch_N.json) into `dir`. */
async function writeEpoch(dir: string, epoch: number, extra = '') {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, `epoch_${epoch}.json`), JSON.stringify({ epoch, extra }));
  return { epoch, files: [`epoch_${epoch}.json`] };
}

describe('the S3 snapshot store', () => {
  it('uploads a snapshot with its manifest, keeps the newest two, fetches the newest into another directory', async () => {
    const a = path.join(root, 'host-a', 'tr_keep');
    for (let e = 1; e <= 4; e++) await store.upload('tr_keep', a, await writeEpoch(a, e), 'wa');
    expect(await store.epochs('tr_keep')).toEqual([4, 3]);
    const keys = await store.list('tr_keep');
    expect(keys.sort()).toEqual([
      'unit/trials/tr_keep/epoch-000003/files/epoch_3.json',
      'unit/trials/tr_keep/epoch-000003/manifest.json',
      'unit/trials/tr_keep/epoch-000004/files/epoch_4.json',
      'unit/trials/tr_keep/epoch-000004/manifest.json',
    ]);
    const b = path.join(root, 'host-b', 'tr_keep');
    const got = await store.fetchNewest('tr_keep', b, null);
    expect(got).toEqual({ fetched: { epoch: 4, files: ['epoch_4.json'] }, refused: [] });
    expect(JSON.parse(await readFile(path.join(b, 'epoch_4.json'), 'utf8')).epoch).toBe(4);
    // nothing newer than what the host holds: nothing fetched
    expect(await store.fetchNewest('tr_keep', b, 4)).toEqual({ fetched: null, refused: [] });
    expect(await store.removeTrial('tr_keep')).toBe(4);
    expect(await store.list('tr_keep')).toEqual([]);
  });

  it('refuses a corrupted object by its checksum and fetches the previous good snapshot', async () => {
    const a = path.join(root, 'host-a', 'tr_bad');
    await store.upload('tr_bad', a, await writeEpoch(a, 1), 'wa');
    await store.upload('tr_bad', a, await writeEpoch(a, 2), 'wa');
    // the object of epoch 2 changed in the store behind the worker's back (same size, other bytes)
    const body = Buffer.from(JSON.stringify({ epoch: 9, extra: '' }));
    await s3.client.send(
      new PutObjectCommand({
        Bucket: s3.bucket,
        Key: 'unit/trials/tr_bad/epoch-000002/files/epoch_2.json',
        Body: body,
      }),
    );
    const b = path.join(root, 'host-b', 'tr_bad');
    const got = await store.fetchNewest('tr_bad', b, null);
    expect(got.fetched).toEqual({ epoch: 1, files: ['epoch_1.json'] });
    expect(got.refused).toEqual([
      expect.stringMatching(
        /^the snapshot of epoch 2 was refused: epoch_2\.json fails its checksum \(sha256 [0-9a-f]{12}…, the manifest says [0-9a-f]{12}…\)$/,
      ),
    ]);
    // the refused file never landed in the trial directory, not even under a temporary name
    expect((await readdir(b)).sort()).toEqual(['epoch_1.json']);
  });

  it('refuses a snapshot whose manifest is damaged', async () => {
    const a = path.join(root, 'host-a', 'tr_gone');
    await store.upload('tr_gone', a, await writeEpoch(a, 1), 'wa');
    await s3.client.send(
      new PutObjectCommand({
        Bucket: s3.bucket,
        Key: 'unit/trials/tr_gone/epoch-000001/manifest.json',
        Body: '{"version": 1, "trialId": "tr_gone"',
      }),
    );
    const got = await store.fetchNewest('tr_gone', path.join(root, 'host-b', 'tr_gone'), null);
    expect(got).toEqual({
      fetched: null,
      refused: ['the snapshot of epoch 1 was refused: its manifest is not JSON'],
    });
  });
});

const run = { trialId: 'tr_t', trainer: { kind: 'command' } } as unknown as TrialRun;

describe("a trial's snapshots", () => {
  it('upload after each epoch and once more at the end; a resume elsewhere fetches the newest', async () => {
    const a = path.join(root, 'host-a', 'tr_t');
    const lines: string[] = [];
    const onA = new TrialSnapshots(store, {
      trialId: 'tr_t',
      workerId: 'wa',
      trialDir: a,
      run,
      trainer: {},
      log: (l) => lines.push(l),
    });
    await writeEpoch(a, 1);
    onA.afterEpoch(1);
    await onA.flush(); // (the upload after epoch 1 is done)
    await writeEpoch(a, 2);
    onA.afterEpoch(2);
    await onA.flush();
    await writeEpoch(a, 3); // written after the last report (as a trainer stopped at a rung may)
    await onA.flush();
    // a trainer that does not say its snapshot's epoch: labelled with the last epoch reported; the final upload
    // replaced that label's file (epoch_2.json) with the newer one
    expect(await store.epochs('tr_t')).toEqual([2, 1]);
    expect((await store.list('tr_t')).filter((k) => k.includes('epoch-000002/files/'))).toEqual([
      'unit/trials/tr_t/epoch-000002/files/epoch_3.json',
    ]);
    const b = path.join(root, 'host-b', 'tr_t');
    const onB = new TrialSnapshots(store, {
      trialId: 'tr_t',
      workerId: 'wb',
      trialDir: b,
      run,
      trainer: {},
      log: (l) => lines.push(l),
    });
    await onB.restore();
    expect(lines).toEqual([
      'snapshot store: fetched the snapshot of epoch 2 (1 file(s), checksums match); resuming from it',
    ]);
    expect(JSON.parse(await readFile(path.join(b, 'epoch_3.json'), 'utf8')).epoch).toBe(3);
    await onB.remove();
    expect(await store.list('tr_t')).toEqual([]);
  });

  it.skipIf(process.getuid?.() !== 0)(
    "hands fetched files to the trial's user, so its trainer can replace and remove them",
    async () => {
      const a = path.join(root, 'host-a', 'tr_own');
      await writeEpoch(path.join(a, 'sub'), 1);
      await store.upload('tr_own', a, { epoch: 1, files: ['sub/epoch_1.json'] }, 'wa');
      const b = path.join(root, 'host-b', 'tr_own');
      await mkdir(b, { recursive: true });
      const lines: string[] = [];
      await new TrialSnapshots(store, {
        trialId: 'tr_own',
        workerId: 'wb',
        trialDir: b,
        run,
        trainer: {},
        owner: { uid: 65534, gid: 65534 },
        log: (l) => lines.push(l),
      }).restore();
      expect(lines).toEqual([
        expect.stringMatching(/^snapshot store: fetched the snapshot of epoch 1/),
      ]);
      expect((await stat(path.join(b, 'sub'))).uid).toBe(65534);
      expect((await stat(path.join(b, 'sub', 'epoch_1.json'))).uid).toBe(65534);
      expect((await stat(b)).uid).toBe(0); // the trial directory stays the worker's
    },
  );

  it('never throws when the store does not answer: the reason is logged and the trial resumes from what it has', async () => {
    const dead = readWorkerEnv({
      DATABASE_URL: 'postgresql://x/y',
      ...s3.env('unit/'),
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:1',
    });
    const made = objectStoreFromEnv(dead)!;
    const down = new S3SnapshotStore(made.client, made.location);
    const dir = path.join(root, 'host-c', 'tr_down');
    const lines: string[] = [];
    const t = new TrialSnapshots(down, {
      trialId: 'tr_down',
      workerId: 'wc',
      trialDir: dir,
      run,
      trainer: {},
      log: (l) => lines.push(l),
      retryMs: [0, 0],
    });
    await t.restore();
    await writeEpoch(dir, 1);
    t.afterEpoch(1);
    await t.flush();
    await t.remove();
    expect(lines[0]).toMatch(
      /^snapshot store: could not be read \(.+\); resuming from this host's newest snapshot, if any, else epoch 1$/,
    );
    expect(lines[1]).toMatch(
      /^snapshot store: upload failed after epoch 1 \(.+\); tried again after the next epoch$/,
    );
    expect(lines.slice(2, 5).map((l) => l.replace(/\(.+?\); /, '(…); '))).toEqual([
      'snapshot store: upload failed (…); trying again (2 of 3)',
      'snapshot store: upload failed (…); trying again (3 of 3)',
      'snapshot store: upload failed (…); giving up: a resume on another host starts from an older snapshot or epoch 1',
    ]);
    expect(lines[5]).toMatch(/^snapshot store: could not remove the finished trial's snapshots/);
    made.client.destroy();
  }, 60_000);
});
