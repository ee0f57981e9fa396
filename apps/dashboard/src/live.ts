/**
 * The sweep's event stream: calls `refresh` when trials change (at most one refresh in flight, one more queued),
 * and says whether the stream is up. EventSource reconnects by itself and sends Last-Event-ID. The API sends a
 * sweep's events at most once per read interval, all of them together: the events of one such batch arrive in
 * one piece and make one refresh.
 */
import type { SweepEvent } from '@sweeps/api-client';

export function followSweep(
  sweepId: string,
  refresh: () => Promise<void>,
  /** On (re)connect: a cheap check whether anything changed since the page last read (true: refresh). */
  changed: () => Promise<boolean>,
  onEvent: (e: SweepEvent) => void,
  onStatus: (s: 'live' | 'reconnecting' | 'closed') => void,
): () => void {
  let running = false;
  let again = false;
  let scheduled = false;
  // the events of one batch are dispatched one after another in one task: refresh once after all of them
  const kick = () => {
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
        await refresh();
      } while (again);
    } finally {
      running = false;
    }
  };
  const es = new EventSource(`/api/v1/sweeps/${encodeURIComponent(sweepId)}/events`);
  es.addEventListener('ready', async () => {
    onStatus('live');
    if (await changed().catch(() => true)) void kick();
  });
  es.addEventListener('resync', () => void kick());
  es.addEventListener('trial', (m) => {
    onStatus('live');
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
    onStatus('closed');
  });
  es.onerror = () => onStatus(es.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting');
  return () => es.close();
}
