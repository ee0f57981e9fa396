/** The fastify app in-process over the real PostgreSQL and Redis: docs, rate limit, and the CLI's key command. */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, findApiKey } from '@sweeps/db';
import { apiTestServices } from '../../../test/support/api-services.ts';
import { TEST_DATABASE_URL } from '../../../test/support/services.ts';
import { buildApp } from './app.ts';
import { createKeyResolver } from './key-resolver.ts';

const services = apiTestServices('api');
const { deps } = services;
const { db } = deps;
let app: Awaited<ReturnType<typeof buildApp>>;
let key = '';

beforeAll(async () => {
  app = await buildApp(deps, { logLevel: 'silent', rateLimitPerMin: 5, authFailuresPerMin: 4 });
  key = (await createApiKey(db, 'read', 'app-test')).key;
});
afterAll(async () => {
  await app.close();
  await services.close();
});

describe('the API app', () => {
  it('serves its OpenAPI document with every sweep route', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(doc.openapi).toMatch(/^3\./);
    for (const p of [
      '/api/v1/sweeps',
      '/api/v1/sweeps/{id}/grid',
      '/api/v1/sweeps/{id}/best',
      '/api/v1/sweeps/{id}/export',
      '/api/v1/workers',
    ]) {
      expect(Object.keys(doc.paths)).toContain(p);
    }
  });

  it('limits requests per key and says when to retry', async () => {
    const headers = { authorization: `Bearer ${key}` };
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++)
      statuses.push(
        (await app.inject({ method: 'GET', url: '/api/v1/sweeps?limit=1', headers })).statusCode,
      );
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    const limited = await app.inject({ method: 'GET', url: '/api/v1/sweeps?limit=1', headers });
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('RATE_LIMITED');
    expect(limited.json().error.message).toMatch(/at most 5 a minute/);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0); // the dashboard waits that long
    // another key has its own budget
    const other = (await createApiKey(db, 'read', 'app-test-2')).key;
    expect(
      (
        await app.inject({
          method: 'GET',
          url: '/api/v1/sweeps?limit=1',
          headers: { authorization: `Bearer ${other}` },
        })
      ).statusCode,
    ).toBe(200);
  });
});

describe('the rate limit for dashboards', () => {
  it("gives each sign-in its own budget, though a team's pages share one read key", async () => {
    const shared = (await createApiKey(db, 'read', 'app-test-3')).key;
    const signIn = async () => {
      const r = await app.inject({
        method: 'POST',
        url: '/api/v1/session',
        payload: { key: shared },
      });
      expect(r.statusCode, r.body).toBe(200);
      return String(r.headers['set-cookie']).split(';')[0]!;
    };
    const a = await signIn();
    const b = await signIn();
    const read = async (headers: Record<string, string>) =>
      (await app.inject({ method: 'GET', url: '/api/v1/sweeps?limit=1', headers })).statusCode;
    const first: number[] = [];
    for (let i = 0; i < 6; i++) first.push(await read({ cookie: a }));
    expect(first).toEqual([200, 200, 200, 200, 200, 429]);
    expect(await read({ cookie: b })).toBe(200);
    expect(await read({ authorization: `Bearer ${shared}` })).toBe(200);
  });
});

describe('authentication comes first', () => {
  it('answers 401 to a request without a key before reading its body', async () => {
    for (const payload of ['{not json', '[[[[', 'x'.repeat(2_000_000)]) {
      const r = await app.inject({
        method: 'POST',
        url: '/api/v1/sweeps',
        headers: { 'content-type': 'application/json' },
        payload,
      });
      expect(r.statusCode).toBe(401);
      expect(r.json().error.code).toBe('UNAUTHORIZED');
    }
  });

  it('refuses text/plain with 415 as docs/rest-api.md says', async () => {
    const writeKey = (await createApiKey(db, 'write', 'app-test-415')).key;
    const r = await app.inject({
      method: 'POST',
      url: '/api/v1/sweeps/preview',
      headers: { authorization: `Bearer ${writeKey}`, 'content-type': 'text/plain' },
      payload: 'name: x',
    });
    expect(r.statusCode).toBe(415);
    expect(r.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('limits failed authentications per address, so random keys do not each cost a lookup', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const token = `swk_${randomBytes(24).toString('base64url')}`;
      statuses.push(
        (
          await app.inject({
            method: 'GET',
            url: '/api/v1/sweeps',
            headers: { authorization: `Bearer ${token}` },
            remoteAddress: '10.9.8.7',
          })
        ).statusCode,
      );
    }
    expect(statuses).toEqual([401, 401, 401, 401, 429, 429]);
    // another address keeps its own count
    const other = await app.inject({
      method: 'GET',
      url: '/api/v1/sweeps',
      headers: { authorization: 'Bearer swk_nope' },
      remoteAddress: '10.9.8.6',
    });
    expect(other.statusCode).toBe(401);
  });

  it('counts sign-in guesses on the session route against the same per-address budget', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const key = `swk_${randomBytes(24).toString('base64url')}`;
      statuses.push(
        (
          await app.inject({
            method: 'POST',
            url: '/api/v1/session',
            payload: { key },
            remoteAddress: '10.9.8.5',
          })
        ).statusCode,
      );
    }
    expect(statuses).toEqual([401, 401, 401, 401, 429, 429]);
  });

  it('keeps a bounded cache of keys', async () => {
    const resolve = createKeyResolver(db, 3);
    for (let i = 0; i < 5; i++)
      expect(await resolve((await createApiKey(db, 'read', `cache-${i}`)).key)).not.toBeNull();
    expect(resolve.cacheSize()).toBe(3);
    expect(await resolve('not a key')).toBeNull();
  });
});

describe('sweeps keys create', () => {
  it('prints a working key as its last line', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['apps/cli/bin/sweeps.mjs', 'keys', 'create', '--scope', 'write', '--name', 'ci'],
      { env: { ...process.env, DATABASE_URL: TEST_DATABASE_URL } },
    );
    const last = stdout.trim().split('\n').at(-1)!;
    expect(last).toMatch(/^swk_[A-Za-z0-9_-]{20,}$/);
    expect(await findApiKey(db, last)).toMatchObject({ scope: 'write' });
    expect(stdout).toMatch(/not shown again/);
  });
});
