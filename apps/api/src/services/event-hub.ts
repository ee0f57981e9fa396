/**
 * One LISTEN connection per API process, fanned out to the open event streams by sweep id. Events missed while
 * that connection was down are not lost: subscribers are told to re-read (`resync`), and a browser that
 * reconnects sends Last-Event-ID and is replayed from the `sweep_events` table.
 *
 * A sweep's events are passed on at most once per `intervalMs` (SWEEPS_READ_INTERVAL_MS), all that arrived
 * since in one batch: a running sweep changes every few milliseconds, and each batch makes every open page
 * re-read, so pages re-read at most once per interval however fast trials move. The first event after a quiet
 * interval goes out at once; the batch's SSE text is made once and written to every stream.
 */
import {
  listenSweepEvents,
  expireSweepEvents,
  type Db,
  type SweepEventListener,
  type SweepEventRow,
} from '@sweeps/db';

/** `events`: in id order; `text`: their SSE frames (see {@link sseFrame}), made once for all streams. */
export type HubMessage =
  | { kind: 'events'; events: SweepEventRow[]; text: string }
  | { kind: 'resync' };

/** One `trial` event as SSE text. */
export function sseFrame(e: SweepEventRow): string {
  return `id: ${e.id}\nevent: trial\ndata: ${JSON.stringify(e)}\n\n`;
}

/** Events as one hub message. */
export function eventsMessage(events: SweepEventRow[]): Extract<HubMessage, { kind: 'events' }> {
  return { kind: 'events', events, text: events.map(sseFrame).join('') };
}

/** Per sweep: events waiting for the next batch, when the last batch went, the timer of the next. */
interface Batch {
  events: SweepEventRow[];
  sentAt: number;
  timer: NodeJS.Timeout | null;
}
type Subscriber = (m: HubMessage) => void;

/** What follows every event as it arrives, unbatched (the grid tallies): told when LISTEN holds or is lost. */
export interface EventFollower {
  apply(e: SweepEventRow): void;
  setFollowing(on: boolean): void;
}

const KEEP_EVENTS_MS = 60 * 60 * 1000;

export class EventHub {
  private readonly subs = new Map<string, Set<Subscriber>>();
  private listener: SweepEventListener | null = null;
  private expireTimer: NodeJS.Timeout | null = null;
  private readonly closers = new Set<() => void>();
  private readonly batches = new Map<string, Batch>();
  private readonly followers: EventFollower[] = [];
  /** How many batches were passed on (for tests and metrics). */
  batchesSent = 0;

  constructor(
    private readonly db: Db,
    private readonly databaseUrl: string,
    private readonly log: { warn: (o: object, msg: string) => void },
    private readonly intervalMs = 250,
  ) {}

  /** Passes every event to `follower` as it arrives, from now on (listening starts here if it has not). */
  follow(follower: EventFollower): void {
    this.followers.push(follower);
    this.ensureListening();
  }

  /** Adds `event` to its sweep's batch: sent now if the last batch went an interval ago, else when it has. */
  private collect(event: SweepEventRow): void {
    if (!this.subs.has(event.sweepId)) return;
    let batch = this.batches.get(event.sweepId);
    if (!batch)
      this.batches.set(event.sweepId, (batch = { events: [], sentAt: -Infinity, timer: null }));
    batch.events.push(event);
    if (batch.timer) return;
    const wait = batch.sentAt + this.intervalMs - performance.now();
    if (wait <= 0) this.flush(event.sweepId);
    else batch.timer = setTimeout(() => this.flush(event.sweepId), wait);
  }

  private flush(sweepId: string): void {
    const batch = this.batches.get(sweepId);
    if (!batch) return;
    batch.timer = null;
    batch.sentAt = performance.now();
    const events = batch.events.splice(0);
    if (events.length === 0) return;
    this.batchesSent++;
    const message = eventsMessage(events);
    for (const fn of this.subs.get(sweepId) ?? []) fn(message);
  }

  /** Starts listening on first use. */
  private ensureListening(): void {
    if (this.listener) return;
    this.listener = listenSweepEvents(this.databaseUrl, {
      onEvent: (event) => {
        for (const f of this.followers) f.apply(event);
        this.collect(event);
      },
      onListening: () => {
        for (const f of this.followers) f.setFollowing(true);
      },
      onReconnect: () => {
        for (const set of this.subs.values()) for (const fn of set) fn({ kind: 'resync' });
      },
      onError: (err) => {
        for (const f of this.followers) f.setFollowing(false);
        this.log.warn({ err }, 'sweep event listener: connection lost; retrying');
      },
    });
    this.expireTimer = setInterval(
      () => {
        expireSweepEvents(this.db, KEEP_EVENTS_MS).catch((err) =>
          this.log.warn({ err }, 'expiring old sweep events failed'),
        );
      },
      10 * 60 * 1000,
    );
    this.expireTimer.unref();
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
      if (set.size === 0) {
        this.subs.delete(sweepId);
        this.dropBatch(sweepId);
      }
      this.closers.delete(close);
    };
  }

  private dropBatch(sweepId: string): void {
    const timer = this.batches.get(sweepId)?.timer;
    if (timer) clearTimeout(timer);
    this.batches.delete(sweepId);
  }

  /** Events of the sweep waiting for its next batch (for tests and metrics). */
  waiting(sweepId: string): number {
    return this.batches.get(sweepId)?.events.length ?? 0;
  }

  /** How many streams are open (for tests and metrics). */
  get streams(): number {
    return this.closers.size;
  }

  /** Ends every open stream and the listening connection. */
  async close(): Promise<void> {
    for (const close of [...this.closers]) close();
    this.closers.clear();
    for (const sweepId of [...this.batches.keys()]) this.dropBatch(sweepId);
    this.subs.clear();
    if (this.expireTimer) clearInterval(this.expireTimer);
    for (const f of this.followers) f.setFollowing(false);
    await this.listener?.close();
    this.listener = null;
  }
}
