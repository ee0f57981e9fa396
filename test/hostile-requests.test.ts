/**
 * The hostile-request table: requests an attacker or a broken client sends to a real API process (bad keys, other
 * people's sweeps, unstorable text, deep and huge bodies, wrong types and media types, prototype keys, forged ids
 * and cursors, wrong methods, forged and signed-out session cookies, a burst of guessed keys). Each must be refused with its documented 4xx in the
 * documented error shape, none may be a 5xx, and nothing may be written: the rows of every table are counted
 * before and after. The table is printed (markdown) and must be the one docs/security.md shows. Then the address the
 * burst blocked must still be served with a valid key (behind a proxy, every user shares one address).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../packages/db/src/index.ts';
import { studySweep } from './fixtures/study-mnist.ts';
import { REPO_ROOT, Stack } from './support/stack.ts';

const stack = new Stack();
let sweepId = '';
let otherWriteKey = '';
/** A session cookie signed out in beforeAll: what someone who copied it before sign-out still holds. */
let signedOutCookie = '';
const IDEMPOTENCY = 'hostile-setup';

beforeAll(async () => {
  await stack.start({
    workers: 0,
    apiEnv: {
      SWEEPS_MAX_TRIALS: '100',
      SWEEPS_AUTH_FAILURES_PER_MIN: '10',
      SWEEPS_QUOTA_SWEEPS_PER_KEY: '1', // the setup's sweep fills the write key's quota
    },
  });
  const created = await stack.call('POST', '/api/v1/sweeps', studySweep(), {
    headers: { 'idempotency-key': IDEMPOTENCY },
  });
  expect(created.status).toBe(201);
  sweepId = created.json.id;
  otherWriteKey = (await createApiKey(stack.db, 'write', 'someone-else')).key;
  const signIn = await fetch(`${stack.baseUrl}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ key: stack.readKey }),
  });
  expect(signIn.status).toBe(200);
  signedOutCookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
  expect((await stack.call('GET', '/api/v1/sweeps', undefined, sessionOnly())).status).toBe(200);
  const out = await stack.call('DELETE', '/api/v1/session', undefined, sessionOnly());
  expect(out.status).toBe(200);
}, 120_000);
afterAll(async () => {
  await stack.stop();
});

interface Case {
  what: string;
  method?: string;
  path: string | (() => string);
  body?: () => unknown;
  raw?: () => string;
  headers?: Record<string, string>;
  /** 'write' (default), 'read', 'other' (another write key), null (none), or a literal Authorization value. */
  key?: 'write' | 'read' | 'other' | null | { authorization: string };
  status: number;
  code?: string;
  /** Sends this many requests and reports the last one (bursts). */
  repeat?: number;
  /** Sends the session cookie signed out in beforeAll. */
  signedOutCookie?: true;
}

/** Call options that send the signed-out session cookie and no key. */
const sessionOnly = () => ({ key: null, headers: { cookie: signedOutCookie } });

// biome-ignore lint/suspicious/noExplicitAny: the mutators write deliberately ill-typed values into the sweep
const spec = (m: (s: any) => void) => () => {
  const s = studySweep();
  m(s);
  return s;
};
/** A case that POSTs to the sweeps list (where most of the hostile bodies go). */
const submit = (c: Omit<Case, 'path' | 'method'>): Case => ({
  path: '/api/v1/sweeps',
  method: 'POST',
  ...c,
});
/** A sweep file made invalid by `mutate`: refused as INVALID_SPEC (400). */
const badSpec = (what: string, mutate: Parameters<typeof spec>[0]): Case =>
  submit({ what, body: spec(mutate), status: 400, code: 'INVALID_SPEC' });
/** A parser check (read key) refused with a 400 of `code`. */
const check = (what: string, parser: string, code: string, sample = '1 2'): Case => ({
  what,
  path: '/api/v1/parsers/check',
  method: 'POST',
  body: () => ({ parser, sample }),
  key: 'read',
  status: 400,
  code,
});
const guessed = () => `swk_${randomBytes(24).toString('base64url')}`;
const S = () => `/api/v1/sweeps/${sweepId}`;

const cases: Case[] = [
  // authentication and ownership
  submit({
    what: 'no key, unparseable body',
    raw: () => '{x',
    key: null,
    status: 401,
    code: 'UNAUTHORIZED',
  }),
  submit({
    what: 'no key, 2 MB body',
    raw: () => 'x'.repeat(2_000_000),
    key: null,
    status: 401,
    code: 'UNAUTHORIZED',
  }),
  {
    what: 'no key on a read route',
    path: '/api/v1/sweeps',
    key: null,
    status: 401,
    code: 'UNAUTHORIZED',
  },
  {
    what: 'a guessed key of the right shape',
    path: '/api/v1/sweeps',
    key: { authorization: `Bearer ${guessed()}` },
    status: 401,
    code: 'UNAUTHORIZED',
  },
  {
    what: 'a key of the wrong shape',
    path: '/api/v1/sweeps',
    key: { authorization: 'Bearer x' },
    status: 401,
    code: 'UNAUTHORIZED',
  },
  {
    what: 'a forged session cookie',
    path: '/api/v1/sweeps',
    key: null,
    headers: { cookie: `sweeps_session=${'A'.repeat(32)}.99999999999999.${'B'.repeat(43)}` },
    status: 401,
    code: 'UNAUTHORIZED',
  },
  {
    what: 'a session cookie copied before its sign-out',
    path: '/api/v1/sweeps',
    key: null,
    signedOutCookie: true,
    status: 401,
    code: 'UNAUTHORIZED',
  },
  {
    what: 'a signed-out session cookie on the event stream',
    path: () => `${S()}/events`,
    key: null,
    signedOutCookie: true,
    status: 401,
    code: 'UNAUTHORIZED',
  },
  {
    what: 'Basic authentication',
    path: '/api/v1/sweeps',
    key: { authorization: 'Basic dXNlcjpwYXNz' },
    status: 401,
    code: 'UNAUTHORIZED',
  },
  submit({
    what: 'read key creates a sweep',
    body: () => studySweep(),
    key: 'read',
    status: 403,
    code: 'FORBIDDEN',
  }),
  {
    what: 'read key deletes a sweep',
    path: S,
    method: 'DELETE',
    key: 'read',
    status: 403,
    code: 'FORBIDDEN',
  },
  {
    what: "another write key cancels someone's sweep",
    path: () => `${S()}/cancel`,
    method: 'POST',
    key: 'other',
    status: 403,
    code: 'FORBIDDEN',
  },
  {
    what: "another write key deletes someone's sweep",
    path: S,
    method: 'DELETE',
    key: 'other',
    status: 403,
    code: 'FORBIDDEN',
  },
  {
    what: "another write key extends someone's sweep",
    path: () => `${S()}/extend`,
    method: 'POST',
    body: () => ({ seeds: [7] }),
    key: 'other',
    status: 403,
    code: 'FORBIDDEN',
  },
  {
    what: "another write key retries someone's sweep",
    path: () => `${S()}/retry-failed`,
    method: 'POST',
    key: 'other',
    status: 403,
    code: 'FORBIDDEN',
  },
  // unstorable text and hostile JSON
  submit({
    what: 'NUL in the sweep name',
    body: spec((s) => {
      s.name = 'a\u0000b';
    }),
    status: 400,
    code: 'INVALID_REQUEST',
  }),
  submit({
    what: 'lone surrogate in a checkpoint name',
    raw: () => JSON.stringify(studySweep()).replace('"r50-tnr"', '"r50-\\ud800"'),
    status: 400,
    code: 'INVALID_REQUEST',
  }),
  submit({
    what: 'NUL in an object key',
    body: spec((s) => {
      s.fixed['a\u0000'] = 1;
    }),
    status: 400,
    code: 'INVALID_REQUEST',
  }),
  {
    what: 'NUL in a preview (read key)',
    path: '/api/v1/sweeps/preview',
    method: 'POST',
    body: spec((s) => {
      s.description = '\u0000';
    }),
    key: 'read',
    status: 400,
    code: 'INVALID_REQUEST',
  },
  {
    what: 'NUL in an extension',
    path: () => `${S()}/extend`,
    method: 'POST',
    body: () => ({ checkpoints: [{ name: 'x\u0000', uri: 'scratch' }] }),
    status: 400,
    code: 'INVALID_REQUEST',
  },
  submit({
    what: 'JSON nested 100,000 deep',
    raw: () => `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
    status: 400,
    code: 'INVALID_REQUEST',
  }),
  submit({
    what: 'JSON nested 65 deep inside a spec',
    raw: () =>
      JSON.stringify(studySweep()).replace(
        '"norm_decay_mult":0',
        `"deep":${'{"a":'.repeat(65)}1${'}'.repeat(65)}`,
      ),
    status: 400,
    code: 'INVALID_REQUEST',
  }),
  submit({
    what: '__proto__ key (prototype pollution)',
    raw: () =>
      JSON.stringify(studySweep()).replace('"fixed":{', '"fixed":{"__proto__":{"admin":true},'),
    status: 400,
    code: 'INVALID_REQUEST',
  }),
  submit({
    what: 'constructor.prototype keys',
    raw: () => '{"constructor":{"prototype":{"x":1}}}',
    status: 400,
    code: 'INVALID_REQUEST',
  }),
  submit({
    what: 'malformed JSON',
    raw: () => '{"name": "x",',
    status: 400,
    code: 'MALFORMED_JSON',
  }),
  { what: 'empty JSON body', path: '/api/v1/sweeps', method: 'POST', raw: () => '', status: 400 },
  submit({
    what: 'a JSON array',
    raw: () => '[1,2]',
    status: 400,
    code: 'INVALID_REQUEST',
  }),
  submit({
    what: 'JSON null',
    raw: () => 'null',
    status: 400,
    code: 'INVALID_REQUEST',
  }),
  submit({
    what: 'a body over 1 MiB',
    body: spec((s) => {
      s.description = 'x'.repeat(1_100_000);
    }),
    status: 413,
    code: 'BODY_TOO_LARGE',
  }),
  badSpec('50,000 unknown fields', (s) => {
    for (let i = 0; i < 50_000; i++) s[`f${i}`] = 0;
  }),
  // media types
  submit({
    what: 'text/plain body',
    raw: () => 'name: x',
    headers: { 'content-type': 'text/plain' },
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  }),
  submit({
    what: 'form-encoded body',
    raw: () => 'name=x',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  }),
  submit({
    what: 'multipart body',
    raw: () => '--b\r\n\r\nx\r\n--b--',
    headers: { 'content-type': 'multipart/form-data; boundary=b' },
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  }),
  // numbers and types in the spec
  submit({
    what: 'lr 1e309 (Infinity)',
    raw: () => JSON.stringify(studySweep()).replace('"lr":[0.01,', '"lr":[1e309,'),
    status: 400,
    code: 'INVALID_SPEC',
  }),
  badSpec('lr as a string', (s) => {
    s.space.optimizer.SGD.lr = ['0.1'];
  }),
  badSpec('a seed of 1e20', (s) => {
    s.seeds = [1e20];
  }),
  badSpec('fixed.epochs 1e308', (s) => {
    s.fixed.epochs = 1e308;
  }),
  badSpec("fixed.epochs 1,001 (over the server's cap)", (s) => {
    s.fixed.epochs = 1001;
  }),
  badSpec('fixed.epochs 2.5', (s) => {
    s.fixed.epochs = 2.5;
  }),
  badSpec('trainer.env sets LD_PRELOAD', (s) => {
    s.trainer.env = { LD_PRELOAD: '/tmp/evil.so' };
  }),
  badSpec('trainer.env sets NODE_OPTIONS', (s) => {
    s.trainer.env = { NODE_OPTIONS: '--require /tmp/evil.js' };
  }),
  submit({
    what: 'a valid sweep over the sweeps-per-key quota',
    body: spec((s) => {
      s.name = 'one too many';
    }),
    status: 429,
    code: 'QUOTA_EXCEEDED',
  }),
  submit({
    what: '100,000 seeds',
    body: spec((s) => {
      s.seeds = Array.from({ length: 100_000 }, (_, i) => i);
    }),
    status: 400,
  }),
  badSpec('trainer kind that does not exist', (s) => {
    s.trainer.kind = 'shell';
  }),
  submit({
    what: 'Idempotency-Key reused with another body',
    body: () => studySweep({ name: 'other' }),
    headers: { 'idempotency-key': IDEMPOTENCY },
    status: 409,
    code: 'IDEMPOTENCY_CONFLICT',
  }),
  submit({
    what: 'Idempotency-Key of 300 characters',
    body: () => studySweep(),
    headers: { 'idempotency-key': 'k'.repeat(300) },
    status: 400,
    code: 'INVALID_REQUEST',
  }),
  // ids, queries and cursors
  {
    what: 'path traversal as a sweep id',
    path: '/api/v1/sweeps/..%2F..%2Fetc%2Fpasswd',
    status: 400,
    code: 'INVALID_REQUEST',
  },
  {
    what: 'sweep id of 33 hex digits',
    path: `/api/v1/sweeps/sw_${'a'.repeat(33)}`,
    status: 400,
    code: 'INVALID_REQUEST',
  },
  {
    what: 'SQL in a sweep id',
    path: `/api/v1/sweeps/sw_1'%20OR%201=1--`,
    status: 400,
    code: 'INVALID_REQUEST',
  },
  {
    what: 'unknown sweep',
    path: '/api/v1/sweeps/sw_0000000000000000/grid',
    status: 404,
    code: 'SWEEP_NOT_FOUND',
  },
  {
    what: 'cancel an unknown sweep',
    path: '/api/v1/sweeps/sw_0000000000000000/cancel',
    method: 'POST',
    status: 404,
    code: 'SWEEP_NOT_FOUND',
  },
  {
    what: 'delete an unknown sweep',
    path: '/api/v1/sweeps/sw_0000000000000000',
    method: 'DELETE',
    status: 404,
    code: 'SWEEP_NOT_FOUND',
  },
  {
    what: 'malformed trial id',
    path: () => `${S()}/trials/tr_<script>`,
    status: 400,
    code: 'INVALID_REQUEST',
  },
  {
    what: 'trial view epochs_limit=100000',
    path: () => `${S()}/trials/tr_00?epochs_limit=100000`,
    status: 400,
    code: 'INVALID_REQUEST',
  },
  {
    what: 'trial view epochs_from=-1',
    path: () => `${S()}/trials/tr_00?epochs_from=-1`,
    status: 400,
    code: 'INVALID_REQUEST',
  },
  {
    what: 'forged cursor',
    path: () => `${S()}/trials?cursor=tr_x%27%3B--`,
    status: 400,
    code: 'INVALID_REQUEST',
  },
  {
    what: 'limit=1e9',
    path: '/api/v1/sweeps?limit=1000000000',
    status: 400,
    code: 'INVALID_REQUEST',
  },
  { what: 'limit=-1', path: () => `${S()}/trials?limit=-1`, status: 400, code: 'INVALID_REQUEST' },
  { what: 'limit=abc', path: '/api/v1/sweeps?limit=abc', status: 400, code: 'INVALID_REQUEST' },
  {
    what: 'state that does not exist',
    path: () => `${S()}/trials?state=exploded`,
    status: 400,
    code: 'INVALID_REQUEST',
  },
  {
    what: '__proto__ in the query string',
    path: '/api/v1/sweeps?__proto__[admin]=1',
    status: 400,
    code: 'INVALID_REQUEST',
  },
  {
    what: 'export as xls',
    path: () => `${S()}/export?format=xls`,
    status: 400,
    code: 'INVALID_REQUEST',
  },
  // methods
  {
    what: 'PUT on the sweeps list',
    path: '/api/v1/sweeps',
    method: 'PUT',
    body: () => studySweep(),
    status: 404,
    code: 'NOT_FOUND',
  },
  {
    what: 'PATCH on a sweep',
    path: S,
    method: 'PATCH',
    body: () => ({ status: 'active' }),
    status: 404,
    code: 'NOT_FOUND',
  },
  {
    what: 'DELETE on the sweeps list',
    path: '/api/v1/sweeps',
    method: 'DELETE',
    status: 404,
    code: 'NOT_FOUND',
  },
  // user regexes (they run on RE2) and parser-check bounds
  check(
    'parser check: a backreference (read key)',
    'regex:(?<epoch>\\d+) (?<m>\\d)\\1',
    'INVALID_SPEC',
  ),
  check(
    'parser check: lookahead (read key)',
    'regex:(?<epoch>\\d+)(?=x) (?<m>\\d)',
    'INVALID_SPEC',
  ),
  check(
    'parser check: a pattern too large once compiled ((?:.{100}){10})',
    'regex:(?<epoch>\\d+)(?:.{100}){10}(?<m>\\d)',
    'INVALID_SPEC',
  ),
  check(
    'parser check: a pattern of 2,000 characters',
    `regex:${'a'.repeat(2000)}`,
    'INVALID_REQUEST',
  ),
  check('parser check: 50,001 lines', 'jsonl', 'INVALID_REQUEST', '\n'.repeat(50_001)),
  {
    what: 'parser check: a body over 2 MiB',
    path: '/api/v1/parsers/check',
    method: 'POST',
    body: () => ({ parser: 'jsonl', sample: 'x'.repeat(2_200_000) }),
    key: 'read',
    status: 413,
    code: 'BODY_TOO_LARGE',
  },
  badSpec('a metric pattern with lookbehind', (s) => {
    s.trainer.metrics = { format: 'regex', pattern: '(?<=x)(?<epoch>\\d+) (?<val_accuracy>\\S+)' };
  }),
  // a burst of guessed keys from one address (the limit is 10 failures a minute here; 2 were spent above)
  {
    what: '12 more guessed keys from one address (the last)',
    path: '/api/v1/sweeps',
    key: { authorization: '' },
    repeat: 12,
    status: 429,
    code: 'RATE_LIMITED',
  },
  {
    what: 'a guessed key naming another client in X-Forwarded-For (no trusted proxy)',
    path: '/api/v1/sweeps',
    key: { authorization: '' },
    headers: { 'x-forwarded-for': '203.0.113.9' },
    status: 429,
    code: 'RATE_LIMITED',
  },
  {
    what: 'a sign-in with a guessed key from the same address',
    path: '/api/v1/session',
    method: 'POST',
    key: null,
    body: () => ({ key: guessed() }),
    status: 429,
    code: 'RATE_LIMITED',
  },
];

/** docs/security.md's hostile-request section: its text and the table between its `<!-- hostile-requests -->` markers. */
function documented(): { text: string; table: string[] } {
  const text = readFileSync(`${REPO_ROOT}docs/security.md`, 'utf8');
  const block = /<!-- hostile-requests -->\n([\s\S]*?)<!-- \/hostile-requests -->/.exec(text);
  if (!block) throw new Error('docs/security.md: the hostile-request table is gone');
  return { text, table: block[1]!.trimEnd().split('\n') };
}

async function counts() {
  const rows = await stack.db.$queryRaw<Array<{ t: string; n: number }>>`
    SELECT 'sweeps' AS t, count(*)::int AS n FROM sweeps UNION ALL SELECT 'trials', count(*)::int FROM trials
    UNION ALL SELECT 'checkpoints', count(*)::int FROM checkpoints UNION ALL SELECT 'trial_metrics', count(*)::int FROM trial_metrics
    UNION ALL SELECT 'api_keys', count(*)::int FROM api_keys UNION ALL SELECT 'cancelled', count(*)::int FROM trials WHERE state <> 'queued'
    UNION ALL SELECT 'active sweeps', count(*)::int FROM sweeps WHERE status = 'active'`;
  return Object.fromEntries(rows.map((r) => [r.t, r.n]));
}

describe('hostile requests', () => {
  it(`refuses all ${cases.length} with their documented status and writes nothing`, async () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
    const before = await counts();
    const results: Array<{ c: Case; status: number; code: string; ms: number }> = [];
    for (const c of cases) {
      const t = Date.now();
      let r!: Awaited<ReturnType<typeof stack.call>>;
      for (let i = 0; i < (c.repeat ?? 1); i++) {
        const key =
          c.key === undefined || c.key === 'write'
            ? stack.writeKey
            : c.key === 'read'
              ? stack.readKey
              : c.key === 'other'
                ? otherWriteKey
                : null;
        const auth: Record<string, string> =
          c.key && typeof c.key === 'object'
            ? { authorization: c.key.authorization || `Bearer ${guessed()}` }
            : {};
        const send = () =>
          stack.call(
            c.method ?? 'GET',
            typeof c.path === 'string' ? c.path : c.path(),
            c.body?.(),
            {
              key,
              headers: {
                ...auth,
                ...c.headers,
                ...(c.signedOutCookie ? { cookie: signedOutCookie } : {}),
              },
              ...(c.raw ? { rawBody: c.raw() } : {}),
            },
          );
        // A large body refused before it is read: the server answers and closes while the client may still be
        // writing, and on a loaded machine fetch then reports EPIPE instead of the answer. Sent again, it is read.
        r = await send().catch((err: Error & { cause?: { code?: string } }) => {
          if (!c.raw || !/EPIPE|ECONNRESET/.test(err.cause?.code ?? '')) throw err;
          return send();
        });
      }
      results.push({ c, status: r.status, code: r.json?.error?.code ?? '-', ms: Date.now() - t });
    }
    const after = await counts();
    const table = [
      '| # | request | status | code |',
      '|---|---|---|---|',
      ...results.map(
        (x, i) => `| ${i + 1} | ${x.c.method ?? 'GET'} ${x.c.what} | ${x.status} | ${x.code} |`,
      ),
    ];
    const refused = results.filter((x) => x.status >= 400 && x.status < 500).length;
    console.log(
      `${table.join('\n')}\n\nHostile requests refused with a 4xx: ${refused} of ${results.length}; 5xx: ${results.filter((x) => x.status >= 500).length}; rows changed: ${JSON.stringify(before) === JSON.stringify(after) ? 'none' : 'SOME'}`,
    );
    for (const x of results) {
      expect({ what: x.c.what, status: x.status }).toEqual({ what: x.c.what, status: x.c.status });
      if (x.c.code)
        expect({ what: x.c.what, code: x.code }).toEqual({ what: x.c.what, code: x.c.code });
    }
    expect(after).toEqual(before);
    expect(refused).toBe(results.length);
    // the docs show what this test sends and gets: a new or changed request changes the table there too
    const docs = documented();
    expect(docs.table).toEqual(table);
    expect(docs.text).toContain(`refused with a 4xx: ${refused} of ${results.length}`);
  });

  it('still serves valid keys and sign-ins from the address the burst blocked', async () => {
    const blocked = await stack.call('GET', '/api/v1/sweeps', undefined, {
      key: null,
      headers: { authorization: `Bearer ${guessed()}` },
    });
    expect(blocked.status).toBe(429);
    expect(
      (await stack.call('GET', '/api/v1/sweeps', undefined, { key: stack.readKey })).status,
    ).toBe(200);
    expect((await stack.call('GET', `${S()}/grid`)).status).toBe(200);
    const signIn = await stack.call(
      'POST',
      '/api/v1/session',
      { key: stack.readKey },
      { key: null },
    );
    expect(signIn.status).toBe(200);
  });
});
