/**
 * The one test of whether an error means PostgreSQL could not be reached (down, restarting, failing over, a cut or
 * silent connection) rather than that it refused a statement. The worker waits such errors out; the API answers
 * them with 503. Errors arrive in several wrappings (Prisma's, its pg adapter's, pg's, Node's socket errors), so
 * every layer of the error is looked at: its code, the adapter's error kind, and its message.
 */

/**
 * Codes: Prisma's connection errors (P1001 unreachable, P1002 timed out, P1008 operation timed out, P1017 closed,
 * P2024 pool timeout), Node's socket errors, PostgreSQL's class 08 (connection exception) and 57P0x (the server
 * shutting down or not accepting connections yet), and 53300 (too many connections, which passes).
 */
const UNREACHABLE_CODE =
  /^(P1001|P1002|P1008|P1017|P2024|ECONN|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|57P0|08|53300$)/;

/** The kinds Prisma's pg adapter gives socket, TLS and connection-limit errors. */
const UNREACHABLE_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
  'TlsConnectionError',
]);

/**
 * Messages of lost connections, for errors that carry no code (pg's "Connection terminated unexpectedly", Prisma's
 * "Server has closed the connection."). Only phrases about a connection failing: a statement's error that merely
 * names a `connection` column or table is not one.
 */
const UNREACHABLE_MESSAGE =
  /can't reach database server|connection (?:terminated|ended|closed|refused|reset|lost|timed? ?out|error)|closed the connection|terminating connection|timeout exceeded when trying to connect|timed out fetching a new connection|too many (?:clients|connections)|\b(?:ECONN[A-Z]+|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN)\b/i;

interface ErrorLayer {
  code?: unknown;
  kind?: unknown;
  message?: unknown;
  cause?: unknown;
  meta?: { driverAdapterError?: unknown } | null;
}

/** Whether an error means PostgreSQL could not be reached (or dropped the connection), not that a query was wrong. */
export function isDatabaseUnreachable(err: unknown): boolean {
  const pending: unknown[] = [err];
  // Bounded: a cause chain may be long or even circular.
  for (let seen = 0; pending.length > 0 && seen < 10; seen++) {
    const e = pending.shift();
    if (!e || typeof e !== 'object') continue;
    const x = e as ErrorLayer;
    if (typeof x.code === 'string' && UNREACHABLE_CODE.test(x.code)) return true;
    if (typeof x.kind === 'string' && UNREACHABLE_KINDS.has(x.kind)) return true;
    if (typeof x.message === 'string' && UNREACHABLE_MESSAGE.test(x.message)) return true;
    pending.push(x.cause, x.meta?.driverAdapterError);
  }
  return false;
}
