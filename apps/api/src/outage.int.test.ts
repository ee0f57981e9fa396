/**
 * The API with PostgreSQL or Redis unreachable: refused connections (nothing listening) and silent ones (a server
 * that accepts and never answers). Every route answers, 503 with Retry-After, never 500 (a route that waited on
 * a silent service without a deadline would hang past the test's timeout instead), and /healthz shows error text
 * only to key holders.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, createDb, type Db } from '@sweeps/db';
import { createRedis, createTrialQueue, queueNames } from '@sweeps/queue';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from '../../../test/support/services.ts';
import { studySweep } from '../../../test/fixtures/study-mnist.ts';
import { buildApp } from './app.ts';

const sockets: Array<{ destroy(): void }> = [];
let silent: Server;
let silentPort = 0;
let deadPort = 0;
const goodDb = createDb(TEST_DATABASE_URL);
let key = '';

beforeAll(async () => {
  silent = createServer((s) => sockets.push(s)); // accepts, never answers
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  silentPort = (silent.address() as { port: number }).port;
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  deadPort = (probe.address() as { port: number }).port;
  await new Promise<void>((r) => probe.close(() => r()));
  key = (await createApiKey(goodDb, 'write', 'outage-test')).key;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  silent.close();
  await goodDb.$disconnect();
});

async function appWith(db: Db, redisUrl: string) {
  const redis = createRedis(redisUrl, { failFast: true });
  redis.on('error', () => {});
  const names = queueNames(`out${randomBytes(3).toString('hex')}`);
  const queue = createTrialQueue(names, redis);
  queue.on('error', () => {});
  const app = await buildApp(
    { db, redis, queue, names, maxTrials: 100, workerLostMs: 30_000 },
    { logLevel: 'silent', rateLimitPerMin: 1000 },
  );
  return {
    app,
    names,
    async close() {
      await app.close();
      redis.disconnect();
    },
  };
}

const auth = () => ({ authorization: `Bearer ${key}` });

describe.each([
  ['refused', () => deadPort],
  ['silent', () => silentPort],
])('Redis %s', (_kind, port) => {
  it('healthz, metrics and POST /sweeps answer 503 with Retry-After; nothing is written', async () => {
    const s = await appWith(goodDb, `redis://127.0.0.1:${port()}`);
    try {
      const before = await goodDb.sweep.count();
      const [h, m, p] = await Promise.all([
        s.app.inject({ method: 'GET', url: '/healthz' }),
        s.app.inject({ method: 'GET', url: '/metrics' }),
        s.app.inject({
          method: 'POST',
          url: '/api/v1/sweeps',
          headers: auth(),
          payload: studySweep(),
        }),
      ]);
      for (const r of [h, m, p]) {
        expect(r.statusCode, r.body).toBe(503);
        expect(r.headers['retry-after']).toBe('5');
      }
      expect(h.json()).toEqual({ ok: false, postgres: { ok: true }, redis: { ok: false } });
      expect(p.json().error).toMatchObject({
        code: 'UNAVAILABLE',
        message: expect.stringMatching(/^Redis did not answer; retry in 5 s/),
      });
      expect(await goodDb.sweep.count()).toBe(before);
      // reads that need only PostgreSQL still work
      const list = await s.app.inject({
        method: 'GET',
        url: '/api/v1/sweeps?limit=1',
        headers: auth(),
      });
      expect(list.statusCode).toBe(200);
      const detailed = await s.app.inject({ method: 'GET', url: '/healthz', headers: auth() });
      expect(detailed.json().redis.error).toMatch(/\w/);
    } finally {
      await s.close();
    }
  });
});

describe.each([
  ['refused', () => deadPort],
  ['silent', () => silentPort],
])('PostgreSQL %s', (_kind, port) => {
  it('API routes answer 503, not 500, and healthz hides the error text without a key', async () => {
    const db = createDb(`postgresql://postgres@127.0.0.1:${port()}/sweeps`, 4);
    const s = await appWith(db, TEST_REDIS_URL);
    try {
      const [h, list, create] = await Promise.all([
        s.app.inject({ method: 'GET', url: '/healthz' }),
        s.app.inject({ method: 'GET', url: '/api/v1/sweeps', headers: auth() }),
        s.app.inject({
          method: 'POST',
          url: '/api/v1/sweeps',
          headers: auth(),
          payload: studySweep(),
        }),
      ]);
      expect(h.statusCode).toBe(503);
      expect(h.json()).toEqual({ ok: false, postgres: { ok: false }, redis: { ok: true } });
      expect(h.body).not.toMatch(/127\.0\.0\.1|reach|timeout/i);
      for (const r of [list, create]) {
        expect(r.statusCode, r.body).toBe(503);
        expect(r.json().error).toMatchObject({
          code: 'UNAVAILABLE',
          message: expect.stringMatching(/^PostgreSQL did not answer; retry in 5 s/),
        });
        expect(r.headers['retry-after']).toBe('5');
      }
    } finally {
      await s.close();
      await db.$disconnect();
    }
  });
});
