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

/** Resolves once PostgreSQL answers a trivial statement (the API's health check). */
export async function pingDatabase(db: Db): Promise<void> {
  await db.$queryRaw`SELECT 1`;
}
