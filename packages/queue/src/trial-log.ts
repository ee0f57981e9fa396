/**
 * A running trial's output, live, for `GET .../trials/:trialId/log` and `sweeps logs -f`: the worker appends its
 * trial's lines to a capped Redis list (the last {@link TRIAL_LOG_LINES} lines, kept {@link TRIAL_LOG_TTL_S}
 * after the last write) and the API reads it from any node. This is a view, not a record: the whole output stays
 * in the trial's log file on its worker, and a failed trial's last lines are stored in PostgreSQL.
 */
import type { Redis } from 'ioredis';
import type { QueueNames } from './names.ts';

export const TRIAL_LOG_LINES = 2000;
export const TRIAL_LOG_TTL_S = 7 * 24 * 3600;
/** Longest line kept in the live view. */
export const TRIAL_LOG_LINE_CHARS = 4000;

const keys = (names: QueueNames, trialId: string) => ({
  lines: `${names.prefix}:trial-log:${trialId}`,
  total: `${names.prefix}:trial-log-total:${trialId}`,
});

/** Appends lines (one round trip): capped list, running total, fresh expiry. */
export async function appendTrialLog(
  redis: Redis,
  names: QueueNames,
  trialId: string,
  lines: string[],
): Promise<void> {
  if (lines.length === 0) return;
  const k = keys(names, trialId);
  const kept = lines
    .slice(-TRIAL_LOG_LINES)
    .map((l) => (l.length > TRIAL_LOG_LINE_CHARS ? `${l.slice(0, TRIAL_LOG_LINE_CHARS)}…` : l));
  await redis
    .multi()
    .rpush(k.lines, ...kept)
    .ltrim(k.lines, -TRIAL_LOG_LINES, -1)
    .incrby(k.total, lines.length)
    .expire(k.lines, TRIAL_LOG_TTL_S)
    .expire(k.total, TRIAL_LOG_TTL_S)
    .exec();
}

/** The last `tail` lines and how many were ever written (so a follower prints only new ones). */
export async function readTrialLog(
  redis: Redis,
  names: QueueNames,
  trialId: string,
  tail: number,
): Promise<{ lines: string[]; total: number }> {
  const k = keys(names, trialId);
  const [lines, total] = await Promise.all([
    redis.lrange(k.lines, -Math.max(1, Math.min(tail, TRIAL_LOG_LINES)), -1),
    redis.get(k.total),
  ]);
  return { lines, total: Number(total ?? 0) };
}

/**
 * Batches a trial's lines into {@link appendTrialLog} calls (at most one every `intervalMs`); a failed write
 * drops that batch (the live view is best effort, the file on the worker has everything).
 */
export class TrialLogShipper {
  private buffer: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> = Promise.resolve();

  constructor(
    private readonly redis: Redis,
    private readonly names: QueueNames,
    private readonly trialId: string,
    private readonly intervalMs = 500,
  ) {}

  push(line: string): void {
    this.buffer.push(line);
    if (this.buffer.length > TRIAL_LOG_LINES)
      this.buffer.splice(0, this.buffer.length - TRIAL_LOG_LINES);
    if (!this.timer) {
      this.timer = setTimeout(() => this.send(), this.intervalMs);
      this.timer.unref();
    }
  }

  /** Sends what is buffered and waits for every write. */
  async close(): Promise<void> {
    this.send();
    await this.sending;
  }

  private send(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.buffer;
    this.buffer = [];
    this.sending = this.sending
      .then(() => appendTrialLog(this.redis, this.names, this.trialId, batch))
      .catch(() => {});
  }
}
