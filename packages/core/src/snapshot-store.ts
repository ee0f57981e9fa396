/**
 * The snapshot store's rules (no I/O): where a trial's snapshots lie in an S3-compatible object store
 * (`SWEEPS_SNAPSHOT_STORE=s3://bucket/prefix`), the manifest that lists one snapshot's files with their SHA-256,
 * which relative paths a snapshot may hold, and which snapshots retention removes. The worker does the I/O.
 *
 * Layout under the prefix: `trials/<trial id>/epoch-000003/files/<path in the trial directory>` for each file of
 * the snapshot of epoch 3, then `trials/<trial id>/epoch-000003/manifest.json`, written last: a manifest means every
 * file it lists was uploaded.
 */
import { z } from 'zod';

/** How many of a trial's newest snapshots are kept (the TF.js trainer's own rule on disk; the store keeps as many). */
export const SNAPSHOTS_KEPT = 2;

/** The most files one snapshot may hold (a TF.js snapshot has 3, MMDetection's 1). */
export const SNAPSHOT_MAX_FILES = 64;

/** A snapshot as files of the trial directory: the epoch it holds and its files, relative paths with `/`. */
export interface SnapshotFiles {
  epoch: number;
  files: string[];
}

/** A parsed `s3://bucket/prefix`: the prefix is empty or ends with `/`. */
export interface ObjectStoreLocation {
  bucket: string;
  prefix: string;
}

const BUCKET_RE = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const PATH_PART_RE = /^[A-Za-z0-9_][A-Za-z0-9_.+-]{0,127}$/;

/**
 * Parses `SWEEPS_SNAPSHOT_STORE` (`s3://bucket` or `s3://bucket/some/prefix`); throws with what is wrong and what
 * to write instead.
 */
export function parseSnapshotStoreUrl(url: string): ObjectStoreLocation {
  const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(url.trim());
  if (!m)
    throw new Error(
      `SWEEPS_SNAPSHOT_STORE=${url} is not an object store address: write s3://<bucket>/<prefix> (or leave it unset to keep snapshots in SWEEPS_DATA_DIR, shared or not)`,
    );
  const bucket = m[1]!;
  if (!BUCKET_RE.test(bucket))
    throw new Error(
      `SWEEPS_SNAPSHOT_STORE: '${bucket}' is not a valid bucket name (3-63 lower-case letters, digits, dots, hyphens)`,
    );
  const parts = (m[2] ?? '').split('/').filter((p) => p !== '');
  for (const p of parts)
    if (!PATH_PART_RE.test(p))
      throw new Error(
        `SWEEPS_SNAPSHOT_STORE: prefix part '${p}' may hold only letters, digits and _ . + - (and not start with . or -)`,
      );
  return { bucket, prefix: parts.length > 0 ? `${parts.join('/')}/` : '' };
}

/** Whether `rel` may be a path of a snapshot's file: relative, `/`-separated, no `..` or hidden parts, bounded. */
export function isSnapshotPath(rel: string): boolean {
  if (rel.length === 0 || rel.length > 512) return false;
  const parts = rel.split('/');
  return parts.length <= 8 && parts.every((p) => PATH_PART_RE.test(p));
}

const pad = (epoch: number) => String(epoch).padStart(6, '0');

/** Object keys of one trial's snapshots under `prefix`. */
export function snapshotKeys(prefix: string, trialId: string) {
  if (!PATH_PART_RE.test(trialId)) throw new Error(`not a trial id: ${JSON.stringify(trialId)}`);
  const trial = `${prefix}trials/${trialId}/`;
  return {
    /** Every object of the trial starts with it. */
    trial,
    /** Every object of the snapshot of `epoch` starts with it. */
    epoch: (epoch: number) => `${trial}epoch-${pad(epoch)}/`,
    manifest: (epoch: number) => `${trial}epoch-${pad(epoch)}/manifest.json`,
    file: (epoch: number, rel: string) => `${trial}epoch-${pad(epoch)}/files/${rel}`,
    /** The epoch an object of the trial belongs to (any of its keys), or null for a foreign key. */
    epochOf(key: string): number | null {
      if (!key.startsWith(trial)) return null;
      const m = /^epoch-(\d{6,})\//.exec(key.slice(trial.length));
      return m ? Number(m[1]) : null;
    },
    /** Whether `key` is a snapshot's manifest. */
    isManifest: (key: string) => key.startsWith(trial) && key.endsWith('/manifest.json'),
  };
}

const Sha256Schema = z.string().regex(/^[0-9a-f]{64}$/);

/** The manifest of one uploaded snapshot: every file with its size and SHA-256. */
export const SnapshotManifestSchema = z.object({
  version: z.literal(1),
  trialId: z.string(),
  epoch: z.number().int().min(0),
  /** When it was uploaded (ISO 8601) and by which worker, for people reading the bucket. */
  uploadedAt: z.string(),
  workerId: z.string(),
  files: z
    .array(
      z.object({
        path: z.string().refine(isSnapshotPath, 'not a relative path of the trial directory'),
        bytes: z.number().int().min(0),
        sha256: Sha256Schema,
      }),
    )
    .min(1)
    .max(SNAPSHOT_MAX_FILES),
});
export type SnapshotManifest = z.infer<typeof SnapshotManifestSchema>;

/** Parses a manifest object's text; a string saying what is wrong with it when it is not one for `trialId`/`epoch`. */
export function parseSnapshotManifest(
  text: string,
  trialId: string,
  epoch: number,
): SnapshotManifest | string {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return 'its manifest is not JSON';
  }
  const parsed = SnapshotManifestSchema.safeParse(raw);
  if (!parsed.success) return `its manifest is malformed (${parsed.error.issues[0]?.message})`;
  if (parsed.data.trialId !== trialId || parsed.data.epoch !== epoch)
    return `its manifest is of trial ${parsed.data.trialId} epoch ${parsed.data.epoch}`;
  return parsed.data;
}

/** Why a fetched file is refused (size or checksum differ from the manifest's), or null when it matches. */
export function snapshotFileRefusal(
  expected: { path: string; bytes: number; sha256: string },
  got: { bytes: number; sha256: string },
): string | null {
  if (got.bytes !== expected.bytes)
    return `${expected.path} has ${got.bytes} bytes, the manifest says ${expected.bytes}`;
  if (got.sha256 !== expected.sha256)
    return `${expected.path} fails its checksum (sha256 ${got.sha256.slice(0, 12)}…, the manifest says ${expected.sha256.slice(0, 12)}…)`;
  return null;
}

/**
 * The epochs whose objects retention removes: all but the `kept` newest epochs that have a manifest, and any
 * epoch older than the newest manifest that has none (an upload that stopped half way). Newer epochs without a
 * manifest may be an upload in progress and stay.
 */
export function snapshotEpochsToRemove(
  epochs: Iterable<number>,
  withManifest: Iterable<number>,
  kept = SNAPSHOTS_KEPT,
): number[] {
  const complete = [...new Set(withManifest)].sort((a, b) => b - a);
  const keep = new Set(complete.slice(0, Math.max(1, kept)));
  const newest = complete[0];
  if (newest === undefined) return [];
  return [...new Set(epochs)].filter((e) => !keep.has(e) && e <= newest).sort((a, b) => a - b);
}
