/**
 * A trial's snapshots in an S3-compatible object store (layout, manifest and retention rules: core's
 * snapshot-store.ts). Uploads put each file, then the manifest with every file's size and SHA-256, then remove what
 * retention no longer keeps. Fetches take the newest snapshot whose every file matches its manifest, into the trial
 * directory (temporary names, renamed once all are verified); a snapshot that does not match is refused with the
 * reason and the next older one is tried.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import {
  isSnapshotPath,
  type ObjectStoreLocation,
  parseSnapshotManifest,
  SNAPSHOTS_KEPT,
  type SnapshotFiles,
  type SnapshotManifest,
  snapshotEpochsToRemove,
  snapshotFileRefusal,
  snapshotKeys,
} from '@sweeps/core';

/** What a fetch found: the snapshot it wrote into the trial directory (if any) and every snapshot it refused. */
export interface SnapshotFetch {
  fetched: SnapshotFiles | null;
  refused: string[];
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

export class S3SnapshotStore {
  constructor(
    readonly client: S3Client,
    readonly location: ObjectStoreLocation,
    readonly kept = SNAPSHOTS_KEPT,
  ) {}

  /** Every key of the trial's objects. */
  async list(trialId: string): Promise<string[]> {
    const prefix = snapshotKeys(this.location.prefix, trialId).trial;
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.location.bucket,
          Prefix: prefix,
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }

  /** The epochs of the trial's snapshots that have a manifest (uploaded whole), newest first. */
  async epochs(trialId: string): Promise<number[]> {
    const keys = snapshotKeys(this.location.prefix, trialId);
    const epochs = (await this.list(trialId))
      .filter(keys.isManifest)
      .map((k) => keys.epochOf(k))
      .filter((e): e is number => e !== null);
    return [...new Set(epochs)].sort((a, b) => b - a);
  }

  /**
   * Uploads the snapshot's files from `trialDir` and its manifest (last), then removes the trial's snapshots
   * retention no longer keeps. Throws on a store error (the caller retries).
   */
  async upload(
    trialId: string,
    trialDir: string,
    snapshot: SnapshotFiles,
    workerId: string,
  ): Promise<SnapshotManifest> {
    const keys = snapshotKeys(this.location.prefix, trialId);
    const files: SnapshotManifest['files'] = [];
    for (const rel of snapshot.files) {
      if (!isSnapshotPath(rel))
        throw new Error(`snapshot file '${rel}' is not a plain relative path`);
      const bytes = await readFile(path.join(trialDir, rel));
      await this.put(keys.file(snapshot.epoch, rel), bytes);
      files.push({ path: rel, bytes: bytes.byteLength, sha256: sha256(bytes) });
    }
    const manifest: SnapshotManifest = {
      version: 1,
      trialId,
      epoch: snapshot.epoch,
      uploadedAt: new Date().toISOString(),
      workerId,
      files,
    };
    await this.put(keys.manifest(snapshot.epoch), Buffer.from(`${JSON.stringify(manifest)}\n`));
    await this.applyRetention(trialId, snapshot);
    return manifest;
  }

  /**
   * Removes every object of the trial that retention does not keep: older snapshots beyond the `kept` newest, and
   * files of the kept epoch `current` that its (re-uploaded) manifest no longer lists.
   */
  private async applyRetention(trialId: string, current: SnapshotFiles): Promise<void> {
    const keys = snapshotKeys(this.location.prefix, trialId);
    const all = await this.list(trialId);
    const epochOf = (k: string) => keys.epochOf(k) ?? -1;
    const manifests = all.filter(keys.isManifest).map(epochOf);
    const remove = new Set(snapshotEpochsToRemove(all.map(epochOf), manifests, this.kept));
    const listed = new Set([
      ...current.files.map((f) => keys.file(current.epoch, f)),
      keys.manifest(current.epoch),
    ]);
    const stale = all.filter(
      (k) =>
        remove.has(epochOf(k)) ||
        (epochOf(k) === current.epoch && k.startsWith(keys.epoch(current.epoch)) && !listed.has(k)),
    );
    await this.delete(stale);
  }

  /** Removes every object of the trial (a finished trial resumes no more). */
  async removeTrial(trialId: string): Promise<number> {
    const all = await this.list(trialId);
    await this.delete(all);
    return all.length;
  }

  /**
   * Fetches the newest snapshot newer than `newerThan` (null: any) whose files all match its manifest into
   * `trialDir`; refused ones are listed with the reason. Throws when the store cannot be listed.
   */
  async fetchNewest(
    trialId: string,
    trialDir: string,
    newerThan: number | null,
  ): Promise<SnapshotFetch> {
    const refused: string[] = [];
    for (const epoch of await this.epochs(trialId)) {
      if (newerThan !== null && epoch <= newerThan) break;
      const why = await this.fetchOne(trialId, trialDir, epoch).catch(
        (err: Error) => `could not be read (${err.name}: ${err.message})`,
      );
      if (typeof why === 'string') {
        refused.push(`the snapshot of epoch ${epoch} was refused: ${why}`);
        continue;
      }
      return { fetched: why, refused };
    }
    return { fetched: null, refused };
  }

  /** One snapshot into `trialDir`, or why it is refused. Nothing lands under its own name unless all match. */
  private async fetchOne(
    trialId: string,
    trialDir: string,
    epoch: number,
  ): Promise<SnapshotFiles | string> {
    const keys = snapshotKeys(this.location.prefix, trialId);
    const text = await this.get(keys.manifest(epoch));
    if (text === null) return 'its manifest is gone';
    const manifest = parseSnapshotManifest(Buffer.from(text).toString('utf8'), trialId, epoch);
    if (typeof manifest === 'string') return manifest;
    const tmp = `.fetch-${process.pid}`;
    const written: Array<{ from: string; to: string }> = [];
    try {
      for (const f of manifest.files) {
        const bytes = await this.get(keys.file(epoch, f.path));
        if (bytes === null) return `${f.path} is missing from the store`;
        const refusal = snapshotFileRefusal(f, { bytes: bytes.byteLength, sha256: sha256(bytes) });
        if (refusal) return refusal;
        const to = path.join(trialDir, f.path);
        await mkdir(path.dirname(to), { recursive: true });
        await writeFile(`${to}${tmp}`, bytes);
        written.push({ from: `${to}${tmp}`, to });
      }
      for (const w of written) await rename(w.from, w.to);
      written.length = 0;
      return { epoch, files: manifest.files.map((f) => f.path) };
    } finally {
      for (const w of written) await rm(w.from, { force: true });
    }
  }

  private async put(key: string, body: Uint8Array): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.location.bucket,
        Key: key,
        Body: body,
        ContentLength: body.byteLength,
      }),
    );
  }

  /** An object's bytes, or null when it does not exist. */
  private async get(key: string): Promise<Uint8Array | null> {
    try {
      const out = await this.client.send(
        new GetObjectCommand({ Bucket: this.location.bucket, Key: key }),
      );
      return out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
    } catch (err) {
      if (err instanceof NoSuchKey || (err as { name?: string }).name === 'NoSuchKey') return null;
      throw err;
    }
  }

  private async delete(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      if (batch.length === 0) continue;
      const out = await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.location.bucket,
          Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        }),
      );
      const failed = out.Errors ?? [];
      if (failed.length > 0)
        throw new Error(
          `could not remove ${failed.length} object(s), e.g. ${failed[0]?.Key}: ${failed[0]?.Message}`,
        );
    }
  }
}
