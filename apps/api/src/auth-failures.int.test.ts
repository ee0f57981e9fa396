/**
 * Failed authentications are limited per address without locking out valid keys (issue 19, finding 4): behind
 * one proxy every user shares an address, so 31 bad keys from it must not refuse the next user's good key. And
 * with `trustProxy`, the client address comes from X-Forwarded-For; without it, the header is ignored. In-process
 * app over the real PostgreSQL and Redis.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '@sweeps/db';
import { apiTestServices } from '../../../test/support/api-services.ts';
import { buildApp } from './app.ts';
import { createKeyResolver } from './key-resolver.ts';
import type { TrustProxy } from './trust-proxy.ts';

const services = apiTestServices('authfail');
const { deps } = services;
const apps: Array<Awaited<ReturnType<typeof buildApp>>> = [];
let readKey = '';

const guessed = () => `swk_${randomBytes(24).toString('base64url')}`;

async function appWith(trustProxy: TrustProxy) {
  const app = await buildApp(deps, {
    logLevel: 'silent',
    rateLimitPerMin: 10_000,
    authFailuresPerMin: 30,
    trustProxy,
  });
  apps.push(app);
  return app;
}

type App = Awaited<ReturnType<typeof buildApp>>;
/** GET /api/v1/sweeps with `key` from the TCP peer `from`, optionally naming a client in X-Forwarded-For. */
async function list(app: App, key: string, from: string, forwardedFor?: string) {
  const headers: Record<string, string> = { authorization: `Bearer ${key}` };
  if (forwardedFor) headers['x-forwarded-for'] = forwardedFor;
  return app.inject({ url: '/api/v1/sweeps?limit=1', headers, remoteAddress: from });
}

/** Sends `n` guessed keys; returns their statuses. */
async function guess(app: App, n: number, from: string, forwardedFor?: string) {
  const statuses: number[] = [];
  for (let i = 0; i < n; i++)
    statuses.push((await list(app, guessed(), from, forwardedFor)).statusCode);
  return statuses;
}

beforeAll(async () => {
  readKey = (await createApiKey(deps.db, 'read', 'auth-failures')).key;
});
afterAll(async () => {
  for (const app of apps) await app.close();
  await services.close();
});

describe('failed keys from one address', () => {
  it('do not lock out a valid key from that address; its bad keys still get 429', async () => {
    const app = await appWith(false);
    const statuses = await guess(app, 31, '10.20.0.1');
    expect(statuses.slice(0, 30)).toEqual(Array(30).fill(401));
    expect(statuses[30]).toBe(429);
    // the next user behind the same proxy, with a valid key
    for (let i = 0; i < 3; i++)
      expect((await list(app, readKey, '10.20.0.1')).statusCode).toBe(200);
    // a key created after the address went over budget works at once too
    const fresh = (await createApiKey(deps.db, 'read', 'auth-failures-fresh')).key;
    expect((await list(app, fresh, '10.20.0.1')).statusCode).toBe(200);
    // the failing address is still refused for bad keys, with Retry-After and a message for a person
    const again = await list(app, guessed(), '10.20.0.1');
    expect(again.statusCode).toBe(429);
    expect(Number(again.headers['retry-after'])).toBeGreaterThan(0);
    expect(again.json().error).toMatchObject({
      code: 'RATE_LIMITED',
      message: expect.stringMatching(/failed authentications from this address.*valid key/),
    });
    expect((await list(app, 'x', '10.20.0.1')).statusCode).toBe(429);
  });

  it('do not stop a dashboard sign-in with a valid key from that address', async () => {
    const app = await appWith(false);
    const signIn = (key: string) =>
      app.inject({
        method: 'POST',
        url: '/api/v1/session',
        payload: { key },
        remoteAddress: '10.20.0.2',
      });
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++) statuses.push((await signIn(guessed())).statusCode);
    expect(statuses.at(-1)).toBe(429);
    const ok = await signIn(readKey);
    expect(ok.statusCode).toBe(200);
    const cookie = String(ok.headers['set-cookie']).split(';')[0]!;
    const viaCookie = await app.inject({
      url: '/api/v1/sweeps?limit=1',
      headers: { cookie },
      remoteAddress: '10.20.0.2',
    });
    expect(viaCookie.statusCode).toBe(200);
    expect((await signIn(guessed())).statusCode).toBe(429);
  });

  it('are checked, once over budget, against the in-memory list of live keys: one load for many guesses', async () => {
    const resolver = createKeyResolver(deps.db, 100, 5_000, 2_000);
    expect(await resolver.resolveWithoutLookup(readKey)).toMatchObject({ scope: 'read' });
    expect(resolver.liveListLoads()).toBe(1);
    // 50 guesses at once share the next load (at most one a reload interval), and wait for it
    const guesses = await Promise.all(
      Array.from({ length: 50 }, () => resolver.resolveWithoutLookup(guessed())),
    );
    expect(guesses.every((g) => g === null)).toBe(true);
    expect(resolver.liveListLoads()).toBe(2);
    // a key created after the list was loaded is found by a load that starts after it is asked for
    const later = (await createApiKey(deps.db, 'read', 'auth-failures-later')).key;
    expect(await resolver.resolveWithoutLookup(later)).toMatchObject({ scope: 'read' });
    expect(resolver.liveListLoads()).toBe(3);
    // a key the list holds is answered without a load
    expect(await resolver.resolveWithoutLookup(later)).toMatchObject({ scope: 'read' });
    expect(resolver.liveListLoads()).toBe(3);
  });
});

describe('trustProxy', () => {
  it('off (the default): X-Forwarded-For is ignored, the TCP peer is the client', async () => {
    const app = await appWith(false);
    expect(await guess(app, 31, '10.30.0.1', '203.0.113.1')).toContain(429);
    // naming another client changes nothing: the budget is the peer's
    expect((await list(app, guessed(), '10.30.0.1', '203.0.113.2')).statusCode).toBe(429);
    expect((await list(app, guessed(), '10.30.0.1')).statusCode).toBe(429);
    expect((await list(app, readKey, '10.30.0.1', '203.0.113.2')).statusCode).toBe(200);
  });

  it("on (the proxy's address): two X-Forwarded-For clients are limited separately", async () => {
    const app = await appWith(['10.40.0.1']);
    const first = await guess(app, 31, '10.40.0.1', '203.0.113.10');
    expect(first.at(-1)).toBe(429);
    // another client behind the same proxy has its own budget
    expect((await list(app, guessed(), '10.40.0.1', '203.0.113.11')).statusCode).toBe(401);
    expect((await list(app, guessed(), '10.40.0.1', '203.0.113.10')).statusCode).toBe(429);
    // a chain: the proxy appends the peer it saw; what the client wrote on the left is not trusted
    expect((await list(app, guessed(), '10.40.0.1', '203.0.113.77, 203.0.113.10')).statusCode).toBe(
      429,
    );
    // a client reaching the API directly cannot pick its address by sending the header
    expect(await guess(app, 31, '10.40.9.9', '203.0.113.12')).toContain(429);
    expect((await list(app, guessed(), '10.40.9.9', '203.0.113.13')).statusCode).toBe(429);
  });

  it('true: every hop is trusted (the leftmost address is the client)', async () => {
    const app = await appWith(true);
    expect((await guess(app, 31, '10.50.0.1', '203.0.113.20')).at(-1)).toBe(429);
    expect((await list(app, guessed(), '10.50.0.1', '203.0.113.21')).statusCode).toBe(401);
  });
});
