/**
 * PostgreSQL may be unreachable for a moment (a restart, a failover, a cut connection). A worker's writes wait for
 * it, with backoff, for a bounded time instead of failing the trial or the worker; other errors go through at once.
 * Which errors are an unreachable database is this package's one rule (`isDatabaseUnreachable`).
 */
import { lastLine } from '@sweeps/core';
import { isDatabaseUnreachable } from './unreachable.ts';

export interface RetryOptions {
  /** Give up after this long (default 60 s). */
  forMs?: number;
  /** First wait (default 250 ms); it doubles up to 2 s. */
  firstDelayMs?: number;
  log?: (line: string) => void;
  what?: string;
}

/** Runs `fn`, again while it fails with a connection error, until `forMs` has passed; then throws the last error. */
export async function retryOnConnectionLoss<T>(
  fn: () => Promise<T>,
  opts: RetryOptions = {},
): Promise<T> {
  const deadline = Date.now() + (opts.forMs ?? 60_000);
  let delay = opts.firstDelayMs ?? 250;
  let warned = false;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (!isDatabaseUnreachable(err) || Date.now() + delay > deadline) throw err;
      if (!warned && opts.log)
        opts.log(
          `${opts.what ?? 'database write'}: PostgreSQL unreachable (${lastLine(err)}); retrying`,
        );
      warned = true;
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 2000);
    }
  }
}
