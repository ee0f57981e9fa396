/**
 * A worker may run a trial only while it holds the trial's job lock in Redis: once the lock runs out (Redis was
 * unreachable from this worker, say, and the renewals failed), the queue gives the trial to another worker, and
 * two executions of one trial would train side by side until this one's next write was refused. So every running
 * trial's lock is read each second; a lock seen held until T is trusted until T less a margin (the time to stop
 * the trial's process group), and a trial whose lock is gone, someone else's, or unconfirmed past that point is
 * stopped with {@link QueueLockLost}: it goes back to the queue without counting as an attempt. A job Redis lost
 * altogether (it restarted empty) cannot be given to anyone: that trial goes on (PostgreSQL is the truth).
 */
import { LOCK_SETTINGS } from '@sweeps/queue';
import { QueueLockLost } from './abort-reasons.ts';

/** What a lock read says: its holder's token (null: no lock), its milliseconds left, whether the job exists. */
export type LockReader = (
  jobId: string,
) => Promise<{ token: string | null; ttlMs: number; jobExists: boolean }>;

export interface QueueLockWatchOptions {
  read: LockReader;
  /** The running trials by id (= job id); the watch aborts their controllers. */
  running: Map<string, AbortController>;
  /** How long before a lock could run out the trial is stopped (time to end its process group). Default 2 s. */
  marginMs?: number;
  log: (line: string) => void;
  now?: () => number;
}

interface Held {
  token: string;
  /** Until when the lock is known to be held. */
  until: number;
}

export class QueueLockWatch {
  private readonly held = new Map<string, Held>();
  private readonly marginMs: number;
  private readonly now: () => number;
  private checking = false;

  constructor(private readonly opts: QueueLockWatchOptions) {
    this.marginMs = opts.marginMs ?? 2_000;
    this.now = opts.now ?? Date.now;
  }

  /** A job became active on this worker with `token`: its lock was just set for the lock duration. */
  track(jobId: string, token: string): void {
    this.held.set(jobId, { token, until: this.now() + LOCK_SETTINGS.lockDuration });
  }

  /** Reads every running trial's lock and stops those whose lock is lost or could run out before it is seen again. */
  async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      // A job not (or no longer) running here is forgotten once its lock would have run out without renewals.
      for (const [id, h] of this.held)
        if (!this.opts.running.has(id) && this.now() > h.until) this.held.delete(id);
      await Promise.all([...this.held].map(([id, h]) => this.checkOne(id, h)));
    } finally {
      this.checking = false;
    }
  }

  private async checkOne(jobId: string, h: Held): Promise<void> {
    const controller = this.opts.running.get(jobId);
    if (!controller || controller.signal.aborted) return;
    const sent = this.now();
    let lost: string | null = null;
    try {
      const lock = await this.opts.read(jobId);
      if (lock.token === h.token) h.until = Math.max(h.until, sent + lock.ttlMs);
      else if (!lock.jobExists && lock.token === null)
        // Redis lost the job itself (restarted empty): no worker can be given it, so the trial goes on.
        h.until = Math.max(h.until, sent + LOCK_SETTINGS.lockDuration);
      else lost = lock.token === null ? 'its job lock ran out' : 'its job lock was taken';
    } catch {
      // Redis did not answer: the lock is trusted until the last time it was seen to last.
    }
    if (!lost && this.now() >= h.until - this.marginMs)
      lost = 'its job lock could not be renewed (Redis unreachable from this worker)';
    if (lost) {
      this.held.delete(jobId);
      this.opts.log(
        `trial ${jobId}: ${lost}; stopping it before the queue gives it to another worker`,
      );
      controller.abort(new QueueLockLost(lost));
    }
  }

  /** Checks every `everyMs` until the returned function is called. */
  start(everyMs = 1_000): () => void {
    const timer = setInterval(() => void this.check(), everyMs);
    timer.unref();
    return () => clearInterval(timer);
  }
}
