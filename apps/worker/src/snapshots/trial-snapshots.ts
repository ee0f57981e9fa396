/**
 * One trial's snapshots and the snapshot store (`SWEEPS_SNAPSHOT_STORE`), for the attempt running on this worker:
 * before a resume the newest good snapshot is fetched into the trial directory (when newer than what this host
 * holds); after each stored epoch the newest complete snapshot is uploaded in the background, and once more (with
 * retries) when the trainer has stopped; a finished trial's snapshots are removed. Nothing here throws: a store
 * failure is logged on the trial and the trial resumes from an older snapshot or from epoch 1.
 */
import { lchown, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  isSnapshotPath,
  lastLine,
  type SnapshotFiles,
  type Trainer,
  type TrialRun,
  type TrialUser,
} from '@sweeps/core';
import { newestFile } from '../trial-dir.ts';
import type { S3SnapshotStore } from './s3-snapshot-store.ts';

/** What the worker needs of a snapshot store. */
export type SnapshotStore = Pick<S3SnapshotStore, 'fetchNewest' | 'upload' | 'removeTrial'>;

/** Waits between the final upload's tries (ms); tests pass zeros. */
export const UPLOAD_RETRY_MS = [1_000, 4_000, 15_000];

export interface TrialSnapshotsOptions {
  trialId: string;
  workerId: string;
  trialDir: string;
  run: TrialRun;
  trainer: Pick<Trainer, 'snapshotFiles' | 'adoptSnapshot' | 'findSnapshot'>;
  /**
   * The user trial processes run as (a worker running as root): fetched files, and the folders made for them, are
   * handed to it, so its trainer can replace and remove them as it does its own. Absent: the worker's own user.
   */
  owner?: TrialUser;
  /** One line on the trial's log (its live log view and output tail) and the worker's. */
  log: (line: string) => void;
  retryMs?: readonly number[];
}

export class TrialSnapshots {
  private chain: Promise<void> = Promise.resolve();
  /** What was last uploaded or fetched (epoch, files, sizes, times), so an unchanged snapshot is not sent again. */
  private current: string | null = null;
  /** The last epoch the trainer reported (the label of a snapshot of a trainer that does not say its epoch). */
  private reported = 0;

  constructor(
    private readonly store: SnapshotStore,
    private readonly o: TrialSnapshotsOptions,
  ) {}

  /**
   * Before a resume: the newest snapshot in the store that is newer than this host's and whose checksums match is
   * fetched into the trial directory and made the trainer's resume point. Refused snapshots and store failures
   * are logged with the reason; the trial then resumes from an older snapshot or from epoch 1.
   */
  async restore(): Promise<void> {
    const { trainer, run, trialDir } = this.o;
    // A trainer that says its snapshot's epoch is fetched only what is newer; the others always the store's
    // newest (this host's copy may be older than what another host uploaded since).
    const local = trainer.snapshotFiles
      ? await trainer.snapshotFiles(run, trialDir).catch(() => null)
      : null;
    const fallback = local
      ? `this host's snapshot of epoch ${local.epoch}`
      : trainer.snapshotFiles
        ? 'epoch 1'
        : "this host's newest snapshot, if any, else epoch 1";
    try {
      const found = await this.store.fetchNewest(this.o.trialId, trialDir, local?.epoch ?? null);
      for (const why of found.refused) this.o.log(`snapshot store: ${why}`);
      if (found.fetched) {
        const wrote = (await trainer.adoptSnapshot?.(run, trialDir, found.fetched)) ?? [];
        if (this.o.owner)
          await handOver(trialDir, [...found.fetched.files, ...wrote], this.o.owner);
        this.current = await signature(trialDir, found.fetched);
        this.reported = found.fetched.epoch;
        this.o.log(
          `snapshot store: fetched the snapshot of epoch ${found.fetched.epoch} (${found.fetched.files.length} file(s), checksums match); resuming from it`,
        );
      } else if (found.refused.length > 0) {
        this.o.log(`snapshot store: no good snapshot to fetch; resuming from ${fallback}`);
      }
    } catch (err) {
      this.o.log(`snapshot store: could not be read (${lastLine(err)}); resuming from ${fallback}`);
    }
  }

  /** After epoch `epoch` was stored: uploads the newest complete snapshot in the background (one at a time). */
  afterEpoch(epoch: number): void {
    this.reported = Math.max(this.reported, epoch);
    this.chain = this.chain.then(() =>
      this.sync().catch((err: unknown) =>
        this.o.log(
          `snapshot store: upload failed after epoch ${epoch} (${lastLine(err)}); tried again after the next epoch`,
        ),
      ),
    );
  }

  /**
   * Once the trainer has stopped (paused, handed back, failed to be retried): waits for the background upload,
   * then uploads the newest snapshot if it was not yet, retrying a failure a few times. Never throws.
   */
  async flush(): Promise<void> {
    await this.chain;
    const waits = this.o.retryMs ?? UPLOAD_RETRY_MS;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.sync();
        return;
      } catch (err) {
        const last = attempt >= waits.length;
        this.o.log(
          `snapshot store: upload failed (${lastLine(err)}); ${last ? 'giving up: a resume on another host starts from an older snapshot or epoch 1' : `trying again (${attempt + 2} of ${waits.length + 1})`}`,
        );
        if (last) return;
        await new Promise((r) => setTimeout(r, waits[attempt]));
      }
    }
  }

  /** The trial is finished: its snapshots in the store are removed (a failure is logged; nothing else). */
  async remove(): Promise<void> {
    await this.chain;
    await this.store.removeTrial(this.o.trialId).catch((err: unknown) => {
      this.o.log(
        `snapshot store: could not remove the finished trial's snapshots (${lastLine(err)})`,
      );
    });
  }

  /** Uploads the newest complete snapshot unless it is the one last uploaded or fetched. */
  private async sync(): Promise<void> {
    // The label of a snapshot whose trainer does not say its epoch: the last epoch reported when its file is read.
    const snapshot = await this.newest(this.reported);
    if (!snapshot) return;
    const sig = await signature(this.o.trialDir, snapshot);
    if (sig === this.current) return;
    await this.store.upload(this.o.trialId, this.o.trialDir, snapshot, this.o.workerId);
    this.current = sig;
  }

  /** The trainer's newest complete snapshot; for a trainer that does not say, its resume file at the last epoch. */
  private async newest(reported: number): Promise<SnapshotFiles | null> {
    const { trainer, run, trialDir } = this.o;
    if (trainer.snapshotFiles) {
      // a snapshot past the last stored epoch would resume after epochs the trial's curve lacks
      const s = await trainer.snapshotFiles(run, trialDir);
      return s && s.epoch <= reported ? s : null;
    }
    if (reported === 0) return null;
    const file = trainer.findSnapshot
      ? await trainer.findSnapshot(run, trialDir)
      : await newestFile(trialDir);
    if (!file) return null;
    const rel = path.relative(trialDir, file).split(path.sep).join('/');
    return isSnapshotPath(rel) ? { epoch: reported, files: [rel] } : null;
  }
}

/** A snapshot's identity on disk: its epoch and each file's path, size and modification time. */
async function signature(dir: string, s: SnapshotFiles): Promise<string> {
  const parts = await Promise.all(
    s.files.map(async (f) => {
      const st = await stat(path.join(dir, f)).catch(() => null);
      return `${f}:${st?.size}:${st?.mtimeMs}`;
    }),
  );
  return `${s.epoch}|${parts.join('|')}`;
}

/** Hands `files` (relative to `dir`) and the folders between `dir` and them to `owner`; `dir` itself stays. */
async function handOver(dir: string, files: string[], owner: TrialUser): Promise<void> {
  const paths = new Set<string>();
  for (const f of files) {
    const parts = f.split('/');
    for (let i = 1; i <= parts.length; i++) paths.add(parts.slice(0, i).join('/'));
  }
  for (const p of paths) await lchown(path.join(dir, p), owner.uid, owner.gid);
}
