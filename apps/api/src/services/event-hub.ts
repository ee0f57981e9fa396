/**
 * One LISTEN connection per API process, fanned out to the open event streams by sweep id. Events missed while
 * that connection was down are not lost: subscribers are told to re-read (`resync`), and a browser that
 * reconnects sends Last-Event-ID and is replayed from the `sweep_events` table.
 */
import {
  listenSweepEvents,
  pruneSweepEvents,
  type Db,
  type SweepEventListener,
  type SweepEventRow,
} from '@sweeps/db';

export type HubMessage = { kind: 'event'; event: SweepEventRow } | { kind: 'resync' };
type Subscriber = (m: HubMessage) => void;

const KEEP_EVENTS_MS = 60 * 60 * 1000;

export class EventHub {
  private readonly subs = new Map<string, Set<Subscriber>>();
  private listener: SweepEventListener | null = null;
  private pruneTimer: NodeJS.Timeout | null = null;
  private readonly closers = new Set<() => void>();

  constructor(
    private readonly db: Db,
    private readonly databaseUrl: string,
    private readonly log: { warn: (o: object, msg: string) => void },
  ) {}

  /** Starts listening on first use. */
  private ensureListening(): void {
    if (this.listener) return;
    this.listener = listenSweepEvents(this.databaseUrl, {
      onEvent: (event) => {
        for (const fn of this.subs.get(event.sweepId) ?? []) fn({ kind: 'event', event });
      },
      onReconnect: () => {
        for (const set of this.subs.values()) for (const fn of set) fn({ kind: 'resync' });
      },
      onError: (err) => this.log.warn({ err }, 'sweep event listener: connection lost; retrying'),
    });
    this.pruneTimer = setInterval(
      () => {
        pruneSweepEvents(this.db, KEEP_EVENTS_MS).catch((err) =>
          this.log.warn({ err }, 'pruning old sweep events failed'),
        );
      },
      10 * 60 * 1000,
    );
    this.pruneTimer.unref();
  }

  /** Calls `fn` for each event of the sweep; `close` ends the stream at shutdown. Returns the unsubscribe. */
  subscribe(sweepId: string, fn: Subscriber, close: () => void): () => void {
    this.ensureListening();
    let set = this.subs.get(sweepId);
    if (!set) this.subs.set(sweepId, (set = new Set()));
    set.add(fn);
    this.closers.add(close);
    return () => {
      set.delete(fn);
      if (set.size === 0) this.subs.delete(sweepId);
      this.closers.delete(close);
    };
  }

  /** How many streams are open (for tests and metrics). */
  get streams(): number {
    return this.closers.size;
  }

  /** Ends every open stream and the listening connection. */
  async close(): Promise<void> {
    for (const close of [...this.closers]) close();
    this.closers.clear();
    this.subs.clear();
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    await this.listener?.close();
    this.listener = null;
  }
}
