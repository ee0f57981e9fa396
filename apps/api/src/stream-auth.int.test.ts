/**
 * Streams and sessions hold only while their credentials do (issue 19, finding 5): an open event stream closes
 * soon after its key is revoked or its session expires or is signed out, with a last `closed` event saying why;
 * signing out ends the session server-side, so a copied cookie gets 401 on every replica. Two API replicas
 * (in-process, real HTTP) share the real PostgreSQL and Redis, as deployed replicas do.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, revokeApiKey } from '@sweeps/db';
import { apiTestServices } from '../../../test/support/api-services.ts';
import { TEST_DATABASE_URL } from '../../../test/support/services.ts';
import { buildApp } from './app.ts';

const services = apiTestServices('streamauth');
const { deps } = services;
const SECRET = 'stream-auth-test-secret-0123456789abcdef';
/** Streams re-check every 100 ms here; each must be seen closed within this (far beyond it). */
const DEADLINE_MS = 10_000;
type App = Awaited<ReturnType<typeof buildApp>>;
const apps: App[] = [];
let replicaA = '';
let replicaB = '';
let shortLived = '';
let sweepId = '';

async function start(sessionTtlSeconds: number): Promise<string> {
  const app = await buildApp(deps, {
    logLevel: 'silent',
    rateLimitPerMin: 10_000,
    databaseUrl: TEST_DATABASE_URL,
    sessionSecret: SECRET,
    sessionTtlSeconds,
    keyCacheMs: 100,
    sseRecheckMs: 100,
    sseHeartbeatMs: 60_000,
  });
  apps.push(app);
  return app.listen({ host: '127.0.0.1', port: 0 });
}

beforeAll(async () => {
  replicaA = await start(3600);
  replicaB = await start(3600);
  shortLived = await start(4);
  const write = (await createApiKey(deps.db, 'write', 'stream-auth')).key;
  const created = await fetch(`${replicaA}/api/v1/sweeps`, {
    method: 'POST',
    headers: { authorization: `Bearer ${write}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'stream-auth',
      metric: { name: 'acc', goal: 'maximize' },
      trainer: { kind: 'command', command: ['true'], metrics: { format: 'jsonl' } },
      checkpoints: [{ name: 'base', uri: 'scratch', baseline: true }],
      space: { optimizer: { SGD: { lr: [0.1], weight_decay: [0], momentum: [0.9] } } },
      seeds: [0],
    }),
  });
  expect(created.status).toBe(201);
  sweepId = ((await created.json()) as { id: string }).id;
});
afterAll(async () => {
  for (const app of apps) await app.close();
  await services.close();
});

/** A fresh read key: its id (to revoke it) and the key. */
async function readKey() {
  const k = await createApiKey(deps.db, 'read', 'stream-auth-read');
  return { id: k.id, key: k.key };
}

async function signIn(base: string, key: string): Promise<string> {
  const r = await fetch(`${base}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ key }),
  });
  expect(r.status).toBe(200);
  return r.headers.get('set-cookie')!.split(';')[0]!;
}

/** Opens the sweep's event stream and reads until `ready`. */
async function openStream(base: string, headers: Record<string, string>) {
  const res = await fetch(`${base}/api/v1/sweeps/${sweepId}/events`, { headers });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  let text = '';
  while (!text.includes('event: ready')) {
    const c = await reader.read();
    if (c.done) throw new Error(`stream ended before ready: ${text}`);
    text += dec.decode(c.value);
  }
  /** Reads until the server ends the stream (true) or the deadline passes (false), and all it sent. */
  const untilEnd = async (): Promise<{ ended: boolean; text: string }> => {
    const deadline = Date.now() + DEADLINE_MS;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) {
        await reader.cancel();
        return { ended: false, text };
      }
      const c = await Promise.race([
        reader.read(),
        new Promise<'late'>((r) => setTimeout(() => r('late'), left).unref()),
      ]);
      if (c === 'late') continue;
      if (c.done) return { ended: true, text };
      text += dec.decode(c.value);
    }
  };
  return { untilEnd };
}

const closedEvent = (text: string) => {
  const m = /event: closed\ndata: (.*)\n\n/.exec(text);
  return m ? (JSON.parse(m[1]!) as { reason: string; message: string }) : null;
};

describe('an event stream', () => {
  it('opened with a key closes once the key is revoked, saying why; the key then gets 401', async () => {
    const { id, key } = await readKey();
    const headers = { authorization: `Bearer ${key}` };
    const stream = await openStream(replicaA, headers);
    expect(await revokeApiKey(deps.db, id)).toBe(true);
    const end = await stream.untilEnd();
    expect(end.ended).toBe(true);
    expect(closedEvent(end.text)).toMatchObject({
      reason: 'key-revoked',
      message: expect.stringMatching(/revoked/),
    });
    const again = await fetch(`${replicaB}/api/v1/sweeps/${sweepId}/events`, { headers });
    expect(again.status).toBe(401);
  });

  it('opened with a session cookie closes once the session expires', async () => {
    const cookie = await signIn(shortLived, (await readKey()).key);
    const stream = await openStream(shortLived, { cookie });
    const end = await stream.untilEnd();
    expect(end.ended).toBe(true);
    expect(closedEvent(end.text)).toMatchObject({ reason: 'session-expired' });
    const r = await fetch(`${shortLived}/api/v1/sweeps?limit=1`, { headers: { cookie } });
    expect(r.status).toBe(401);
    expect(((await r.json()) as { error: { message: string } }).error.message).toMatch(
      /expired; sign in again/,
    );
  });

  it('opened with a session cookie closes once its key is revoked', async () => {
    const { id, key } = await readKey();
    const cookie = await signIn(replicaA, key);
    const stream = await openStream(replicaB, { cookie });
    await revokeApiKey(deps.db, id);
    const end = await stream.untilEnd();
    expect(end.ended).toBe(true);
    expect(closedEvent(end.text)).toMatchObject({ reason: 'session-ended' });
  });
});

describe('signing out', () => {
  it('ends the session on every replica: a copied cookie gets 401 on requests and streams', async () => {
    const cookie = await signIn(replicaA, (await readKey()).key);
    const copied = cookie; // what someone who copied the cookie holds
    for (const base of [replicaA, replicaB])
      expect((await fetch(`${base}/api/v1/sweeps?limit=1`, { headers: { cookie } })).status).toBe(
        200,
      );
    const open = await openStream(replicaB, { cookie: copied });
    const out = await fetch(`${replicaA}/api/v1/session`, {
      method: 'DELETE',
      headers: { cookie },
    });
    expect(out.status).toBe(200);
    expect(out.headers.get('set-cookie')).toMatch(/Max-Age=0/);
    for (const base of [replicaA, replicaB]) {
      const r = await fetch(`${base}/api/v1/sweeps?limit=1`, { headers: { cookie: copied } });
      expect(r.status, base).toBe(401);
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');
      const s = await fetch(`${base}/api/v1/sweeps/${sweepId}/events`, {
        headers: { cookie: copied },
      });
      expect(s.status, base).toBe(401);
    }
    // the stream that was open on the other replica closes too
    const end = await open.untilEnd();
    expect(end.ended).toBe(true);
    expect(closedEvent(end.text)).toMatchObject({ reason: 'session-ended' });
  });

  it('never stores the key or the token: the cookie holds neither the key nor what PostgreSQL keeps', async () => {
    const { key } = await readKey();
    const cookie = await signIn(replicaA, key);
    expect(cookie).not.toContain(key);
    const token = cookie.split('=')[1]!.split('.')[0]!;
    const rows = await deps.db.session.findMany({ select: { tokenHash: true } });
    expect(rows.some((r) => r.tokenHash.includes(token))).toBe(false);
    expect(rows.length).toBeGreaterThan(0);
  });
});
