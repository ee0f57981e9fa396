/**
 * The sweep's event stream: calls `refresh` when trials change (at most one refresh in flight, one more queued),
 * and says whether the stream is up. EventSource reconnects by itself and sends Last-Event-ID. The API sends a
 * sweep's events at most once per read interval, all of them together: the events of one such batch arrive in
 * one piece and make one refresh, and a last refresh follows 1.1 s after the last event, when the API's shared
 * reading (at most 1 s old) is sure to include it. A refresh that fails is tried again (refresh-retry.ts), so a
 * page never stays behind because one read met a rate limit or a network blip.
 */
import type { SweepEvent } from '@sweeps/api-client';
import { retryDelayMs } from './refresh-retry.ts';

/** Whether the page hears the sweep's events (`connecting` until the stream first answers). */
export type Connection = 'connecting' | 'live' | 'reconnecting' | 'closed';

/** Longer than the API serves a running sweep's views from one reading (at most 1 s). */
const SETTLE_MS = 1_100;

export function followSweep(
  sweepId: string,
  /** Reads the page's data again; resolves to the error when the read failed (undefined when it worked). */
  refresh: () => Promise<unknown>,
  /** On (re)connect: a cheap check whether anything changed since the page last read (true: refresh). */
  changed: () => Promise<boolean>,
  onEvent: (e: SweepEvent) => void,
  onConnection: (c: Exclude<Connection, 'connecting'>) => void,
): () => void {
  let running = false;
  let again = false;
  let scheduled = false;
  let settle: ReturnType<typeof setTimeout> | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let failures = 0;
  // the events of one batch are dispatched one after another in one task: refresh once after all of them, and once
  // more when no event has come for longer than the API may serve a running sweep's views from its last reading
  // (a read right after the last event of a sweep may still show the state before it)
  const kick = () => {
    clearTimeout(settle);
    settle = setTimeout(() => void run(), SETTLE_MS);
    if (scheduled) return;
    scheduled = true;
    setTimeout(() => {
      scheduled = false;
      void run();
    }, 0);
  };
  const run = async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        const err = await refresh();
        clearTimeout(retry);
        if (err === undefined) failures = 0;
        else {
          const wait = retryDelayMs(err, ++failures);
          if (wait !== null) retry = setTimeout(() => void run(), wait);
        }
      } while (again);
    } finally {
      running = false;
    }
  };
  const es = new EventSource(`/api/v1/sweeps/${encodeURIComponent(sweepId)}/events`);
  es.addEventListener('ready', async () => {
    onConnection('live');
    if (await changed().catch(() => true)) void kick();
  });
  es.addEventListener('resync', () => void kick());
  es.addEventListener('trial', (m) => {
    onConnection('live');
    try {
      onEvent(JSON.parse((m as MessageEvent<string>).data) as SweepEvent);
    } catch {
      /* a malformed event still means something changed */
    }
    void kick();
  });
  // The API ends the stream with `closed` when the key is revoked or the session ends: do not reconnect.
  es.addEventListener('closed', () => {
    es.close();
    clearTimeout(settle);
    clearTimeout(retry);
    onConnection('closed');
  });
  es.onerror = () => onConnection(es.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting');
  return () => {
    clearTimeout(settle);
    clearTimeout(retry);
    es.close();
  };
}
