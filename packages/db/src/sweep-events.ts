/**
 * Sweep events: rows written by triggers on `trials` (one per statement, sweep and new state) and announced with
 * `NOTIFY sweep_events`. The API listens on one connection per process and fans events out to its streams. Every
 * state change is one, whoever writes it: asha pausing a trial at a rung is an event with state `paused`, and its
 * promotion one with state `queued` (it is queued again to resume).
 */
import pg from 'pg';
import type { Db } from './client.ts';

export interface SweepEventRow {
  /** A bigint as text: increasing, usable as an SSE id. */
  id: string;
  sweepId: string;
  trialId: string | null;
  state: string | null;
  n: number;
  at: string;
}

const CHANNEL = 'sweep_events';

/** Events of one sweep after `afterId`, oldest first, at most `limit`. */
export async function sweepEventsAfter(
  db: Db,
  sweepId: string,
  afterId: bigint,
  limit: number,
): Promise<SweepEventRow[]> {
  const rows = await db.sweepEvent.findMany({
    where: { sweepId, id: { gt: afterId } },
    orderBy: { id: 'asc' },
    take: limit,
  });
  return rows.map((r) => ({
    id: r.id.toString(),
    sweepId: r.sweepId,
    trialId: r.trialId,
    state: r.state,
    n: r.n,
    at: r.at.toISOString(),
  }));
}

/** The newest event id (0 when there is none): where a stream without Last-Event-ID starts. */
export async function latestSweepEventId(db: Db): Promise<bigint> {
  const row = await db.sweepEvent.findFirst({ orderBy: { id: 'desc' }, select: { id: true } });
  return row?.id ?? 0n;
}

/** Deletes events older than `olderThanMs`; returns how many. */
export async function expireSweepEvents(db: Db, olderThanMs: number): Promise<number> {
  const out = await db.sweepEvent.deleteMany({
    where: { at: { lt: new Date(Date.now() - olderThanMs) } },
  });
  return out.count;
}

function parseEvent(payload: string | undefined): SweepEventRow | null {
  if (!payload || payload.length > 4000) return null;
  try {
    const e = JSON.parse(payload) as Partial<SweepEventRow>;
    if (typeof e.id !== 'string' || !/^\d{1,19}$/.test(e.id) || typeof e.sweepId !== 'string')
      return null;
    return {
      id: e.id,
      sweepId: e.sweepId,
      trialId: typeof e.trialId === 'string' ? e.trialId : null,
      state: typeof e.state === 'string' ? e.state : null,
      n: typeof e.n === 'number' ? e.n : 0,
      at: new Date(String(e.at)).toISOString(),
    };
  } catch {
    return null;
  }
}

export interface SweepEventListener {
  close(): Promise<void>;
}

/**
 * LISTENs on its own connection and calls `onEvent` for each event; reconnects (after `retryMs`) when the
 * connection drops, calling `onReconnect` so callers can replay from the table what they may have missed.
 */
export function listenSweepEvents(
  databaseUrl: string,
  handlers: {
    onEvent: (e: SweepEventRow) => void;
    onReconnect?: () => void;
    /** Called each time LISTEN holds (first and after every reconnect): from then on no event is missed. */
    onListening?: () => void;
    onError?: (err: Error) => void;
  },
  retryMs = 1000,
): SweepEventListener {
  let client: pg.Client | null = null;
  let closed = false;
  let timer: NodeJS.Timeout | null = null;
  let first = true;

  const connect = async () => {
    if (closed) return;
    const c = new pg.Client({ connectionString: databaseUrl });
    client = c;
    c.on('notification', (msg) => {
      const e = msg.channel === CHANNEL ? parseEvent(msg.payload) : null;
      if (e) handlers.onEvent(e);
    });
    c.on('error', (err) => {
      handlers.onError?.(err);
      retry(c);
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${CHANNEL}`);
      handlers.onListening?.();
      if (!first) handlers.onReconnect?.();
      first = false;
    } catch (err) {
      handlers.onError?.(err as Error);
      retry(c);
    }
  };
  const retry = (c: pg.Client) => {
    c.end().catch(() => {});
    if (client !== c || closed || timer) return;
    first = false;
    timer = setTimeout(() => {
      timer = null;
      void connect();
    }, retryMs);
  };
  void connect();
  return {
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await client?.end().catch(() => {});
    },
  };
}

/**
 * What a finished read of a sweep's grid or best table depends on, as one text: the sweep row's `updated_at`
 * and its newest event id. Every change of a trial's state (and with it the per-cell statistics, a failure's
 * reason, a pruned or paused trial's rung) and every inserted trial writes an event, so equal texts mean those reads
 * would give the same body. Read it before the body: a change in between then only makes the next read
 * recompute. Null when the sweep does not exist.
 */
export async function sweepReadVersion(db: Db, sweepId: string): Promise<string | null> {
  const rows = await db.$queryRaw<Array<{ updated: Date; event: bigint | null }>>`
    SELECT s.updated_at AS updated,
           (SELECT max(e.id) FROM sweep_events e WHERE e.sweep_id = s.id) AS event
    FROM sweeps s WHERE s.id = ${sweepId}`;
  const row = rows[0];
  return row ? `${row.updated.getTime()}:${row.event ?? 0}` : null;
}
