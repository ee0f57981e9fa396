import { describe, expect, it } from 'vitest';
import { createDb } from './client.ts';
import { isDatabaseUnreachable } from './unreachable.ts';

describe('isDatabaseUnreachable', () => {
  it('knows a lost database in each wrapping: Prisma, its pg adapter, pg, Node sockets', () => {
    const unreachable: unknown[] = [
      { code: 'P1001', message: "Can't reach database server at `db:5432`" },
      { code: 'P2024', message: 'Timed out fetching a new connection from the connection pool.' },
      new Error('\nInvalid `db.worker.upsert()` invocation:\n\nServer has closed the connection.'),
      new Error('Connection terminated unexpectedly'),
      { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:5432' },
      { code: 'EPIPE', message: 'write EPIPE' },
      { name: 'DriverAdapterError', cause: { kind: 'ConnectionClosed' } },
      { code: 'P2010', meta: { driverAdapterError: { cause: { kind: 'SocketTimeout' } } } },
      // PostgreSQL shutting down (57P01) and a connection failure (08006), under the adapter's wrapping
      {
        code: 'P2010',
        message: 'Raw query failed.',
        meta: { driverAdapterError: { cause: { kind: 'postgres', code: '57P01' } } },
      },
      new Error('query failed', { cause: new Error('wrapped', { cause: { code: '08006' } }) }),
    ];
    for (const err of unreachable) expect(isDatabaseUnreachable(err), String(err)).toBe(true);
  });

  it('lets a refused statement through, even one that names a connection', () => {
    const refused: unknown[] = [
      new Error('value "3000000000" is out of range for type integer'),
      { code: 'P2002', message: 'Unique constraint failed on the fields: (`connection_id`)' },
      {
        code: 'P2010',
        meta: { driverAdapterError: { cause: { kind: 'postgres', code: '42703' } } },
        message: 'column "connection" does not exist',
      },
      null,
      'ECONNREFUSED but a string',
    ];
    for (const err of refused) expect(isDatabaseUnreachable(err), String(err)).toBe(false);
  });

  it('stops on a circular cause chain', () => {
    const a: { message: string; cause?: unknown } = { message: 'a' };
    a.cause = { message: 'b', cause: a };
    expect(isDatabaseUnreachable(a)).toBe(false);
  });

  it("recognises the client's own error when nothing listens on the port", async () => {
    const db = createDb('postgresql://postgres@127.0.0.1:1/none', 1);
    try {
      const err = await db.$queryRaw`SELECT 1`.then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).not.toBeNull();
      expect(isDatabaseUnreachable(err)).toBe(true);
    } finally {
      await db.$disconnect();
    }
  });
});
