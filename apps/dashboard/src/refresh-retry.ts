/**
 * When a page reads a failed read again: a read that failed (the API busy or rate-limited, the network gone for a
 * moment) would otherwise leave the page showing old numbers until the sweep's next event, and a sweep that has
 * just finished sends none. The API's Retry-After is honoured; other failures back off from 1 s to 30 s. A 401
 * (signed out, key revoked) is not retried: the page goes back to the sign-in form.
 */
import { ApiError } from '@sweeps/api-client/client';

const FIRST_MS = 1_000;
const MOST_MS = 30_000;
/** A Retry-After longer than this is not waited for in full: the page tries again then (and is told again). */
const MOST_RETRY_AFTER_MS = 60_000;

/** Milliseconds until the next try after `failures` failed reads in a row (the last one `err`), or null: never. */
export function retryDelayMs(err: unknown, failures: number): number | null {
  if (err instanceof ApiError) {
    if (err.status === 401) return null;
    if (err.retryAfterS !== undefined)
      return Math.min(MOST_RETRY_AFTER_MS, Math.max(FIRST_MS, err.retryAfterS * 1000));
  }
  return Math.min(MOST_MS, FIRST_MS * 2 ** Math.max(0, failures - 1));
}
