/**
 * GET /api/v1/sweeps/:id/events: server-sent events for the dashboard. Each event says which trials of the
 * sweep moved to which state; the page then re-reads the small aggregates (sweep, grid, best). `Last-Event-ID`
 * (sent by EventSource on reconnect) replays what was missed; a comment line every `heartbeatMs` keeps proxies
 * from closing an idle stream; every stream is ended when the API shuts down. Every `recheckMs` the stream asks
 * whether its key or session still holds; when the key is revoked, or the session signed out or expired, it
 * sends a last `closed` event (data: {reason, message}) and ends, so a revoked credential stops receiving within
 * seconds. (Reconnecting with it then gets 401, which ends an EventSource for good.) Live events come from the
 * hub in batches, at most one per read interval (SWEEPS_READ_INTERVAL_MS), each written as one piece of text.
 */
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ErrorBodySchema, TextSchema } from '@sweeps/api-client/schemas';
import { getSweep, latestSweepEventId, sweepEventsAfter, type SweepEventRow } from '@sweeps/db';
import type { Ended } from '../auth.ts';
import type { ApiDeps } from '../services/deps.ts';
import { type EventHub, eventsMessage, type HubMessage } from '../services/event-hub.ts';
import { SweepParams } from './schemas.ts';

const REPLAY_LIMIT = 500;

function parseLastEventId(v: unknown): bigint | null {
  return typeof v === 'string' && /^\d{1,19}$/.test(v) ? BigInt(v) : null;
}

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};

/**
 * What a new client starts from (`ready` at the latest event id), or what a reconnecting one missed: written
 * through `write` when there are at most REPLAY_LIMIT events, else a `resync` at the latest one.
 */
async function replay(
  deps: ApiDeps,
  sweepId: string,
  lastId: bigint | null,
  write: (m: HubMessage) => void,
): Promise<{ id: bigint; event: 'ready' | 'resync' } | null> {
  if (lastId === null) return { id: await latestSweepEventId(deps.db), event: 'ready' };
  const missed = await sweepEventsAfter(deps.db, sweepId, lastId, REPLAY_LIMIT + 1);
  if (missed.length > REPLAY_LIMIT) return { id: BigInt(missed.at(-1)!.id), event: 'resync' };
  if (missed.length > 0) write(eventsMessage(missed));
  return null;
}

export interface StreamOptions {
  /** A comment line this often keeps proxies from closing an idle stream. */
  heartbeatMs: number;
  /** How often the stream's credentials are checked again. */
  recheckMs: number;
  /** Null while the request's key or session holds; why not, once it does not (auth.ts `recheck`). */
  recheck: (req: FastifyRequest) => Promise<Ended | null>;
}

/**
 * Calls `recheck` every `recheckMs` (one check at a time) and `onEnded` once it says the credentials ended. A
 * check that fails (PostgreSQL not answering) keeps the stream: the next one decides.
 */
function watchCredentials(
  req: FastifyRequest,
  opts: StreamOptions,
  onEnded: (why: Ended) => void,
): NodeJS.Timeout {
  let checking = false;
  return setInterval(() => {
    if (checking) return;
    checking = true;
    opts
      .recheck(req)
      .then((why) => why && onEnded(why))
      .catch((err) => req.log.warn({ err }, 'event stream: credentials could not be checked'))
      .finally(() => {
        checking = false;
      });
  }, opts.recheckMs);
}

export function eventRoutes(
  deps: ApiDeps,
  hub: EventHub,
  opts: StreamOptions,
): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/sweeps/:id/events',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['sweeps'],
          summary:
            'Server-sent events: `trial` events (data: {id, sweepId, trialId, state, n, at}) when trials change state, `resync` when the page should re-read everything, `closed` (data: {reason, message}) just before the stream ends because its key was revoked or its session signed out or expired; honours Last-Event-ID',
          params: SweepParams,
          response: { 200: TextSchema.describe('text/event-stream'), '4xx': ErrorBodySchema },
        },
      },
      async (req, reply) => {
        const sweepId = req.params.id;
        await getSweep(deps.db, sweepId);
        const lastId = parseLastEventId(req.headers['last-event-id']);
        const res = reply.raw;
        reply.hijack();
        res.writeHead(200, SSE_HEADERS);
        res.write('retry: 2000\n\n');

        // Subscribe first and hold live events until the replay is written, so nothing falls in between.
        let sent = lastId ?? 0n;
        let held: HubMessage[] | null = [];
        let ended = false;
        const write = (m: HubMessage) => {
          if (ended) return;
          if (m.kind === 'resync') res.write('event: resync\ndata: {}\n\n');
          else writeEvents(m.events, m.text);
        };
        // a batch's text as the hub made it, unless the replay already sent some of its events
        const writeEvents = (events: SweepEventRow[], text: string) => {
          const fresh = events.filter((e) => BigInt(e.id) > sent);
          if (fresh.length === 0) return;
          for (const e of fresh) if (BigInt(e.id) > sent) sent = BigInt(e.id);
          res.write(fresh.length === events.length ? text : eventsMessage(fresh).text);
        };
        const end = () => {
          if (ended) return;
          ended = true;
          clearInterval(beat);
          clearInterval(watch);
          unsubscribe();
          res.end();
        };
        const unsubscribe = hub.subscribe(sweepId, (m) => (held ? held.push(m) : write(m)), end);
        const beat = setInterval(() => res.write(': ping\n\n'), opts.heartbeatMs);
        const watch = watchCredentials(req, opts, (why) => {
          if (ended) return;
          res.write(`event: closed\ndata: ${JSON.stringify(why)}\n\n`);
          end();
        });
        req.raw.on('close', end);
        try {
          const skipTo = await replay(deps, sweepId, lastId, write);
          if (skipTo !== null && !ended) {
            sent = skipTo.id;
            res.write(`id: ${sent}\nevent: ${skipTo.event}\ndata: {}\n\n`);
          }
        } catch (err) {
          req.log.warn({ err }, 'event stream replay failed');
          if (!ended) res.write('event: resync\ndata: {}\n\n');
        }
        const pending = held;
        held = null;
        for (const m of pending) write(m);
      },
    );
  };
}
