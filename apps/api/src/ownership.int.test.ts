/**
 * Keys and ownership over the real PostgreSQL and Redis: sweeps record their creator key, only it (or an admin
 * key) may cancel, retry, extend or delete them, Idempotency-Keys belong to one API key, and a revoked key stops
 * working once the key cache forgets it. `sweeps keys list | revoke` through the CLI.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '@sweeps/db';
import { apiTestServices } from '../../../test/support/api-services.ts';
import { TEST_DATABASE_URL } from '../../../test/support/services.ts';
import { waitFor } from '../../../test/support/wait-for.ts';
import { studySweep } from '../../../test/fixtures/study-mnist.ts';
import { buildApp } from './app.ts';

const services = apiTestServices('own');
const { deps } = services;
const { db } = deps;
let app: Awaited<ReturnType<typeof buildApp>>;
const k: Record<'alice' | 'bob' | 'admin' | 'reader', { id: string; key: string }> = {} as never;

beforeAll(async () => {
  app = await buildApp(deps, { logLevel: 'silent', rateLimitPerMin: 1000, keyCacheMs: 300 });
  k.alice = await createApiKey(db, 'write', 'alice');
  k.bob = await createApiKey(db, 'write', 'bob');
  k.admin = await createApiKey(db, 'admin', 'ops');
  k.reader = await createApiKey(db, 'read', 'dashboard');
});
afterAll(async () => {
  await app.close();
  await services.close();
});

const call = (who: keyof typeof k, method: string, url: string, payload?: unknown, h = {}) =>
  app.inject({
    method: method as 'GET',
    url,
    headers: { authorization: `Bearer ${k[who].key}`, ...h },
    ...(payload === undefined ? {} : { payload: payload as object }),
  });

describe('sweep ownership', () => {
  it('records the creator; only it or an admin key may cancel, retry, extend or delete', async () => {
    const created = await call('alice', 'POST', '/api/v1/sweeps', studySweep({ name: 'own-1' }));
    expect(created.statusCode).toBe(201);
    const id = created.json().id as string;
    expect((await db.sweep.findUniqueOrThrow({ where: { id } })).createdByKeyId).toBe(k.alice.id);
    expect((await call('reader', 'GET', `/api/v1/sweeps/${id}`)).json().createdByKeyId).toBe(
      k.alice.id,
    );
    const extend = { seeds: [1] };
    for (const [method, url, body] of [
      ['POST', `/api/v1/sweeps/${id}/cancel`, undefined],
      ['POST', `/api/v1/sweeps/${id}/retry-failed`, undefined],
      ['POST', `/api/v1/sweeps/${id}/extend`, extend],
      ['DELETE', `/api/v1/sweeps/${id}`, undefined],
    ] as const) {
      const bob = await call('bob', method, url, body);
      expect(bob.statusCode, `${method} ${url}`).toBe(403);
      expect(bob.json().error.message).toMatch(/another API key.*admin/);
      expect((await call('reader', method, url, body)).statusCode).toBe(403);
    }
    expect(await db.trial.count({ where: { sweepId: id, state: 'queued' } })).toBe(24);
    expect(
      (await call('alice', 'POST', `/api/v1/sweeps/${id}/extend`, extend)).json(),
    ).toMatchObject({
      addedTrials: 24,
    });
    const cancel = await call('admin', 'POST', `/api/v1/sweeps/${id}/cancel`);
    expect(cancel.json()).toMatchObject({ cancelledQueued: 48 });
    const del = await call('alice', 'DELETE', `/api/v1/sweeps/${id}`);
    expect(del.statusCode).toBe(200);
    expect(del.json()).toEqual({ id, deleted: true, stoppedRunning: 0 });
    expect(await db.sweep.count({ where: { id } })).toBe(0);
    expect(await db.trial.count({ where: { sweepId: id } })).toBe(0);
    expect((await call('alice', 'DELETE', `/api/v1/sweeps/${id}`)).statusCode).toBe(404);
  });

  it('shows trainer.env values to write keys and redacts them for read-only keys', async () => {
    const spec = {
      ...studySweep({ name: 'env-values' }),
      trainer: {
        kind: 'command',
        command: ['node', 'train.mjs'],
        env: { DATASET_TOKEN: 's3cret' },
      },
    };
    const created = await call('alice', 'POST', '/api/v1/sweeps', spec);
    expect(created.statusCode, created.body).toBe(201);
    const url = `/api/v1/sweeps/${created.json().id}`;
    const envSeenBy = async (who: keyof typeof k) =>
      (await call(who, 'GET', url)).json().spec.trainer.env;
    expect(await envSeenBy('reader')).toEqual({ DATASET_TOKEN: '(redacted)' });
    expect(await envSeenBy('alice')).toEqual({ DATASET_TOKEN: 's3cret' });
    expect(await envSeenBy('bob')).toEqual({ DATASET_TOKEN: 's3cret' });
    expect(await envSeenBy('admin')).toEqual({ DATASET_TOKEN: 's3cret' });
  });

  it('scopes Idempotency-Keys per API key', async () => {
    const h = { 'idempotency-key': `same-${randomBytes(3).toString('hex')}` };
    const a1 = await call('alice', 'POST', '/api/v1/sweeps', studySweep({ name: 'idem' }), h);
    const a2 = await call('alice', 'POST', '/api/v1/sweeps', studySweep({ name: 'idem' }), h);
    const b1 = await call('bob', 'POST', '/api/v1/sweeps', studySweep({ name: 'idem-bob' }), h);
    expect([a1.statusCode, a2.statusCode, b1.statusCode]).toEqual([201, 200, 201]);
    expect(a2.json().id).toBe(a1.json().id);
    expect(b1.json().id).not.toBe(a1.json().id);
  });
});

describe('sweeps keys list | revoke', () => {
  it('lists keys by name without the secret, and a revoked key is refused once the cache forgets it', async () => {
    const victim = await createApiKey(db, 'write', `leaked-${randomBytes(2).toString('hex')}`);
    const headers = { authorization: `Bearer ${victim.key}` };
    expect((await app.inject({ method: 'GET', url: '/api/v1/sweeps', headers })).statusCode).toBe(
      200,
    );
    const run = (args: string[]) =>
      promisify(execFile)(process.execPath, ['apps/cli/bin/sweeps.mjs', 'keys', ...args], {
        env: { ...process.env, DATABASE_URL: TEST_DATABASE_URL },
      });
    const revoked = await run(['revoke', victim.id]);
    expect(revoked.stdout).toMatch(new RegExp(`Revoked ${victim.id}`));
    // the test app trusts a lookup for 300 ms, then asks PostgreSQL again
    await waitFor(
      'the revoked key to be refused',
      async () =>
        (await app.inject({ method: 'GET', url: '/api/v1/sweeps', headers })).statusCode === 401,
      10_000,
      50,
    );
    const list = await run(['list', '--all']);
    const line = list.stdout.split('\n').find((l) => l.startsWith(victim.id))!;
    expect(line).toMatch(new RegExp(`${victim.name}\\s+write\\s+\\S+\\s+\\d{4}-`));
    expect(list.stdout).not.toMatch(/swk_/);
  });
});
