/** The Prisma client over the pg driver adapter (no native engine). One per process. */
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/client.ts';

export type Db = InstanceType<typeof PrismaClient>;

/** How long opening a connection may take before the query fails (a silent network must not hang callers). */
export const CONNECT_TIMEOUT_MS = 5_000;

/** Opens a client; `poolSize` bounds concurrent connections from this process. */
export function createDb(url: string, poolSize = 10): Db {
  const adapter = new PrismaPg({
    connectionString: url,
    max: poolSize,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  });
  return new PrismaClient({ adapter });
}

const UNREACHABLE_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
const UNREACHABLE_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
  'TlsConnectionError',
]);

/** Whether an error means PostgreSQL could not be reached (or dropped the connection), not that a query was wrong. */
export function isDatabaseUnreachable(err: unknown): boolean {
  const e = err as {
    code?: string;
    message?: string;
    meta?: { driverAdapterError?: { cause?: { kind?: string } } };
    cause?: { kind?: string };
  } | null;
  if (!e || typeof e !== 'object') return false;
  if (e.code && UNREACHABLE_CODES.has(e.code)) return true;
  const kind = e.meta?.driverAdapterError?.cause?.kind ?? e.cause?.kind;
  if (kind && UNREACHABLE_KINDS.has(kind)) return true;
  return /Can't reach database server|Connection terminated|timeout exceeded when trying to connect/.test(
    e.message ?? '',
  );
}
