import { describe, expect, it } from 'vitest';
import {
  isSnapshotPath,
  parseSnapshotManifest,
  parseSnapshotStoreUrl,
  snapshotEpochsToRemove,
  snapshotFileRefusal,
  snapshotKeys,
} from './snapshot-store.ts';

const sha = 'a'.repeat(64);

describe('the snapshot store address', () => {
  it('parses a bucket with or without a prefix', () => {
    expect(parseSnapshotStoreUrl('s3://my-bucket')).toEqual({ bucket: 'my-bucket', prefix: '' });
    expect(parseSnapshotStoreUrl('s3://my-bucket/')).toEqual({ bucket: 'my-bucket', prefix: '' });
    expect(parseSnapshotStoreUrl('s3://my.bucket/team/sweeps/')).toEqual({
      bucket: 'my.bucket',
      prefix: 'team/sweeps/',
    });
  });

  it('refuses other schemes, bad bucket names and prefixes that climb out, saying what to write', () => {
    expect(() => parseSnapshotStoreUrl('/mnt/nfs/snapshots')).toThrow(/write s3:\/\/<bucket>/);
    expect(() => parseSnapshotStoreUrl('s3://B')).toThrow(/not a valid bucket name/);
    expect(() => parseSnapshotStoreUrl('s3://bucket/a/../b')).toThrow(/prefix part '..'/);
  });
});

describe('snapshot paths and keys', () => {
  it('allows relative paths in the trial directory only', () => {
    expect(isSnapshotPath('epoch-0003.weights.safetensors')).toBe(true);
    expect(isSnapshotPath('work_dir/epoch_3.pth')).toBe(true);
    for (const bad of ['', '/etc/passwd', '../x', 'a/../../b', '.hidden', 'a//b', 'a b'])
      expect(isSnapshotPath(bad), bad).toBe(false);
  });

  it('keys each epoch under the trial, and reads the epoch back from any of its keys', () => {
    const k = snapshotKeys('p/', 'tr_1');
    expect(k.manifest(3)).toBe('p/trials/tr_1/epoch-000003/manifest.json');
    expect(k.file(12, 'work_dir/epoch_12.pth')).toBe(
      'p/trials/tr_1/epoch-000012/files/work_dir/epoch_12.pth',
    );
    expect(k.epochOf(k.file(12, 'x'))).toBe(12);
    expect(k.epochOf('p/trials/tr_10/epoch-000001/manifest.json')).toBeNull();
    expect(k.isManifest(k.manifest(3))).toBe(true);
    expect(k.isManifest(k.file(3, 'manifest.json.x'))).toBe(false);
    expect(() => snapshotKeys('', '../tr')).toThrow(/not a trial id/);
  });
});

describe('the manifest', () => {
  const manifest = {
    version: 1,
    trialId: 'tr_1',
    epoch: 4,
    uploadedAt: '2026-01-01T00:00:00.000Z',
    workerId: 'w1',
    files: [{ path: 'epoch_4.json', bytes: 10, sha256: sha }],
  };

  it('is read back for its own trial and epoch only', () => {
    expect(parseSnapshotManifest(JSON.stringify(manifest), 'tr_1', 4)).toEqual(manifest);
    expect(parseSnapshotManifest(JSON.stringify(manifest), 'tr_1', 5)).toMatch(
      /of trial tr_1 epoch 4/,
    );
    expect(parseSnapshotManifest('{"version":1', 'tr_1', 4)).toBe('its manifest is not JSON');
    const escaping = { ...manifest, files: [{ ...manifest.files[0], path: '../../x' }] };
    expect(parseSnapshotManifest(JSON.stringify(escaping), 'tr_1', 4)).toMatch(/malformed/);
  });

  it('refuses a file whose size or checksum differs', () => {
    const f = manifest.files[0]!;
    expect(snapshotFileRefusal(f, { bytes: 10, sha256: sha })).toBeNull();
    expect(snapshotFileRefusal(f, { bytes: 9, sha256: sha })).toMatch(/has 9 bytes/);
    expect(snapshotFileRefusal(f, { bytes: 10, sha256: 'b'.repeat(64) })).toMatch(
      /fails its checksum/,
    );
  });
});

describe('retention in the store', () => {
  it('keeps the newest complete snapshots and what may still be uploading', () => {
    // epochs 1-5 uploaded whole, 6 half way (no manifest yet), 3 lost its manifest
    expect(snapshotEpochsToRemove([1, 2, 3, 4, 5, 6], [1, 2, 4, 5], 2)).toEqual([1, 2, 3]);
    expect(snapshotEpochsToRemove([1, 2, 3], [1, 2, 3], 1)).toEqual([1, 2]);
    expect(snapshotEpochsToRemove([7], [], 2)).toEqual([]);
  });
});
