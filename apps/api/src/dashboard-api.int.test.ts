/**
 * What the dashboard needs from the API, in-process over the real PostgreSQL and Redis: workers' liveness, the best
 * table's outcomes, grid cell states and the best-epoch view, session cookies, the server-sent-events stream
 * (LISTEN/NOTIFY, Last-Event-ID, heartbeats, shutdown) and the static app's caching.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  claimTrial,
  completeTrial,
  createApiKey,
  failTrial,
  recordEpoch,
  registerWorker,
  stopWorker,
} from '@sweeps/db';
import type { Grid } from '@sweeps/api-client';
import { apiTestServices } from '../../../test/support/api-services.ts';
import { TEST_DATABASE_URL } from '../../../test/support/services.ts';
import { buildApp } from './app.ts';

const services = apiTestServices('dash');
// these tests write to PostgreSQL directly and read at once: no read interval (read-interval.int.test.ts has it)
const deps = { ...services.deps, readIntervalMs: 0 };
const { db } = deps;
const distDir = mkdtempSync(join(tmpdir(), 'sweeps-dist-'));
let app: Awaited<ReturnType<typeof buildApp>>;
let base = '';
let readKey = '';
let writeKey = '';
let sweepId = '';

const spec = {
  name: 'dashboard-api',
  metric: { name: 'acc', goal: 'maximize' },
  trainer: { kind: 'command', command: ['true'], metrics: { format: 'jsonl' } },
  checkpoints: [{ name: 'base', uri: 'scratch', baseline: true }],
  space: { optimizer: { SGD: { lr: [0.1, 1], weight_decay: [0, 0.1], momentum: [0.9] } } },
  seeds: [0, 1],
};

beforeAll(async () => {
  mkdirSync(join(distDir, 'assets'));
  writeFileSync(join(distDir, 'index.html'), '<!doctype html><title>sweeps</title>');
  writeFileSync(join(distDir, 'assets', 'app-abc123.js'), `console.log(${'"x",'.repeat(2000)}1)`);
  app = await buildApp(deps, {
    logLevel: 'silent',
    rateLimitPerMin: 10_000,
    databaseUrl: TEST_DATABASE_URL,
    sseHeartbeatMs: 200,
    dashboardDir: distDir,
  });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
  readKey = (await createApiKey(db, 'read', 'dash-test')).key;
  writeKey = (await createApiKey(db, 'write', 'dash-test')).key;
  const created = await app.inject({
    method: 'POST',
    url: '/api/v1/sweeps',
    headers: { authorization: `Bearer ${writeKey}` },
    payload: spec,
  });
  expect(created.statusCode, created.body).toBe(201);
  sweepId = created.json().id;
});
afterAll(async () => {
  await app.close();
  await services.close();
  rmSync(distDir, { recursive: true, force: true });
});

async function get(url: string, headers: Record<string, string> = {}) {
  return app.inject({ url, headers: { authorization: `Bearer ${readKey}`, ...headers } });
}

/** Claims a trial as the test worker; returns the claim's lease (what every write of the attempt names). */
async function claim(trialId: string) {
  const c = await claimTrial(db, trialId, 'w-test');
  if (c?.kind !== 'claimed') throw new Error(`trial ${trialId} could not be claimed`);
  return c.lease;
}

async function finish(trialId: string, epochs: number[]) {
  const lease = await claim(trialId);
  for (const [i, v] of epochs.entries()) await recordEpoch(db, lease, i + 1, { acc: v });
  await completeTrial(db, lease, { finalMetric: epochs.at(-1)!, metrics: {} });
}

/** Reads an SSE stream until `until` matches the text so far (or the stream ends). */
const readers = new WeakMap<Response, ReadableStreamDefaultReader<Uint8Array>>();
async function readStream(res: Response, until: (text: string) => boolean, ms = 10_000) {
  const reader = readers.get(res) ?? res.body!.getReader();
  readers.set(res, reader);
  const dec = new TextDecoder();
  let text = '';
  const deadline = Date.now() + ms;
  while (!until(text) && Date.now() < deadline) {
    const chunk = await Promise.race([
      reader.read(),
      new Promise<{ done: true; value: undefined }>((r) =>
        setTimeout(() => r({ done: true, value: undefined }), deadline - Date.now()),
      ),
    ]);
    if (chunk.done) return { text, ended: true, reader };
    text += dec.decode(chunk.value);
  }
  return { text, ended: false, reader };
}

describe('best table for the dashboard', () => {
  it("says each row's outcome, and sends its deprecated first name status as well", async () => {
    const rows = (await get(`/api/v1/sweeps/${sweepId}/best`)).json().rows as Array<{
      checkpoint: string;
      outcome: string;
      status: string;
    }>;
    expect(rows.map((r) => [r.checkpoint, r.outcome, r.status])).toEqual([
      ['base', 'nothing_succeeded', 'nothing_succeeded'],
    ]);
  });
});

describe('workers for the dashboard', () => {
  it('says alive, lost (no heartbeat past the lost limit) or stopped, and the deprecated status', async () => {
    const prefix = `wv-${sweepId}`;
    for (const name of ['alive', 'lost', 'stopped'])
      await registerWorker(db, {
        id: `${prefix}-${name}`,
        host: 'test',
        slots: 1,
        devices: [],
        pid: 1,
      });
    // 60 s without a heartbeat: past the 30 s lost limit, still listed (for 4 times the limit)
    await db.worker.update({
      where: { id: `${prefix}-lost` },
      data: { lastHeartbeatAt: new Date(Date.now() - 60_000) },
    });
    await stopWorker(db, `${prefix}-stopped`);
    const r = await get('/api/v1/workers');
    expect(r.statusCode).toBe(200);
    const ours = (r.json().workers as Array<{ id: string; liveness: string; status: string }>)
      .filter((w) => w.id.startsWith(prefix))
      .map((w) => [w.id.slice(prefix.length + 1), w.liveness, w.status])
      .sort();
    // `status` is the deprecated first name of `liveness`, with `silent` for `lost`
    expect(ours).toEqual([
      ['alive', 'alive', 'alive'],
      ['lost', 'lost', 'silent'],
      ['stopped', 'stopped', 'stopped'],
    ]);
  });
});

describe('grid for the dashboard', () => {
  it('gives every cell its state, counts and reason, and the best-epoch view', async () => {
    // Trials are ordered by id; find each cell's two seeds.
    const trials = (await get(`/api/v1/sweeps/${sweepId}/trials`)).json().trials as Array<{
      id: string;
      params: { lr: number; weight_decay: number };
      seed: number;
    }>;
    const of = (lr: number, wd: number) =>
      trials.filter((t) => t.params.lr === lr && t.params.weight_decay === wd).map((t) => t.id);
    const [a0, a1] = of(0.1, 0);
    await finish(a0!, [0.5, 0.7, 0.6]);
    await finish(a1!, [0.4, 0.5]);
    const [b0, b1] = of(1, 0);
    await failTrial(db, await claim(b0!), {
      error: 'loss diverged at epoch 1 (lr too high?)',
      reason: 'diverged',
      outputTail: '',
      final: true,
    });
    await failTrial(db, await claim(b1!), {
      error: 'exit 1',
      reason: 'failed',
      outputTail: '',
      final: true,
    });
    await claimTrial(db, of(1, 0.1)[0]!, 'w-test');

    const grid = (await get(`/api/v1/sweeps/${sweepId}/grid`)).json() as Grid;
    expect(grid.value).toBe('final');
    const m = grid.matrices[0]!;
    expect(m.lrs).toEqual([0.1, 1]);
    expect(m.weightDecays).toEqual([0, 0.1]);
    expect(m.values[0]![0]).toMatchObject({ n: 2, mean: 0.55 });
    expect(m.cells[0]![0]).toMatchObject({ state: 'succeeded', succeeded: 2, total: 2 });
    expect(m.cells[0]![1]).toMatchObject({ state: 'queued', queued: 2, total: 2 });
    expect(m.cells[1]![0]).toMatchObject({ state: 'diverged', failed: 2, diverged: 1 });
    expect(m.cells[1]![0]!.reason).toMatch(/diverged|exit 1/);
    expect(m.failed[1]![0]).toBe(2);
    expect(m.cells[1]![1]).toMatchObject({ state: 'running', running: 1, queued: 1 });

    const best = (await get(`/api/v1/sweeps/${sweepId}/grid?value=best_epoch`)).json() as Grid;
    expect(best.value).toBe('best_epoch');
    expect(best.matrices[0]!.values[0]![0]).toMatchObject({ n: 2, mean: 0.6 });
    expect(best.matrices[0]!.cells[0]![0]!.state).toBe('succeeded');
    expect((await get(`/api/v1/sweeps/${sweepId}/grid?value=nope`)).statusCode).toBe(400);

    const list = (await get('/api/v1/sweeps?limit=500')).json();
    const row = list.sweeps.find((s: { id: string }) => s.id === sweepId);
    expect(row).toMatchObject({ best: 0.55, metricGoal: 'maximize', phase: 'running' });
  });

  it('keeps a finished grid and best table while the sweep is unchanged, and recomputes after a change', async () => {
    const grid = async () => (await get(`/api/v1/sweeps/${sweepId}/grid`)).body;
    const best = async () => (await get(`/api/v1/sweeps/${sweepId}/best`)).body;
    const [grid1, best1] = [await grid(), await best()];
    // A write that no trial change announces (a test-only edit of the per-cell statistics) is not seen: the
    // bodies come from the read cache.
    await db.$executeRaw`UPDATE cell_stats SET n = n + 10 WHERE sweep_id = ${sweepId}`;
    try {
      expect(await grid()).toBe(grid1);
      expect(await best()).toBe(best1);
      // Any trial change is: claiming the queued trial of lr 1, weight decay 0.1 recomputes both.
      type Row = { id: string; params: { lr: number; weight_decay: number } };
      const queued = (await get(`/api/v1/sweeps/${sweepId}/trials?state=queued`)).json()
        .trials as Row[];
      await claim(queued.find((t) => t.params.lr === 1 && t.params.weight_decay === 0.1)!.id);
      const grid2 = JSON.parse(await grid()) as Grid;
      expect(grid2.matrices[0]!.values[0]![0]).toMatchObject({ n: 12 });
      expect(grid2.matrices[0]!.gridCells[1]![1]).toMatchObject({ running: 2, queued: 0 });
      expect(await best()).not.toBe(best1);
    } finally {
      await db.$executeRaw`UPDATE cell_stats SET n = n - 10 WHERE sweep_id = ${sweepId}`;
    }
  });

  it('documents a response body for every API route', async () => {
    const doc = (await app.inject({ url: '/docs/json' })).json();
    for (const [path, ops] of Object.entries(doc.paths as Record<string, object>)) {
      if (!path.startsWith('/api/')) continue;
      for (const [method, op] of Object.entries(ops as Record<string, { responses: object }>))
        expect(Object.keys(op.responses), `${method} ${path}`).toContain('200');
    }
    const grid = doc.paths['/api/v1/sweeps/{id}/grid'].get.responses['200'];
    expect(JSON.stringify(grid)).toContain('weightDecays');
  });
});

describe('asha pausing for the dashboard and the CLI', () => {
  it('shows a paused grid cell, where each paused trial waits, the CSV columns and the cancel count', async () => {
    const created = await app.inject({
      method: 'POST',
      url: '/api/v1/sweeps',
      headers: { authorization: `Bearer ${writeKey}` },
      payload: {
        ...spec,
        name: 'dashboard-api-paused',
        space: { optimizer: { SGD: { lr: [0.1, 1], weight_decay: [0], momentum: [0.9] } } },
        seeds: [0],
        fixed: { epochs: 9 },
        strategy: { kind: 'asha', min_epochs: 1, reduction_factor: 3 },
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as string;
    type Row = { id: string; params: { lr: number }; pausedAt: unknown };
    const trials = (await get(`/api/v1/sweeps/${id}/trials`)).json().trials as Row[];
    expect(trials.map((t) => t.pausedAt)).toEqual([null, null]);
    const [paused, pruned] = [0.1, 1].map((lr) => trials.find((t) => t.params.lr === lr)!.id);
    // as asha records them: the paused trial waits at the epoch-3 rung, the other was pruned at epoch 1
    for (const [trialId, epoch, value, outcome, state] of [
      [paused!, 3, 0.21, 'paused', 'paused'],
      [pruned!, 1, 0.05, 'pruned', 'pruned'],
    ] as const) {
      await claim(trialId);
      await db.$executeRaw`
        INSERT INTO trial_rungs (trial_id, sweep_id, checkpoint_id, epoch, value, rank, out_of, promoted, outcome, reason)
        SELECT id, sweep_id, checkpoint_id, ${epoch}, ${value}, 1, 2, false, ${outcome}, 'test'
        FROM trials WHERE id = ${trialId}`;
      await db.$executeRaw`UPDATE trials SET state = ${state}::"TrialState" WHERE id = ${trialId}`;
    }

    const m = ((await get(`/api/v1/sweeps/${id}/grid`)).json() as Grid).matrices[0]!;
    expect(m.gridCells[0]![0]).toMatchObject({
      state: 'paused',
      paused: 1,
      total: 1,
      pausedEpoch: 3,
      pausedValue: 0.21,
    });
    expect(m.gridCells[1]![0]).toMatchObject({
      state: 'pruned',
      prunedEpoch: 1,
      pausedEpoch: null,
    });
    const sweep = (await get(`/api/v1/sweeps/${id}`)).json();
    expect(sweep).toMatchObject({ phase: 'running', counts: { paused: 1, pruned: 1, total: 2 } });

    const listed = (await get(`/api/v1/sweeps/${id}/trials?state=paused`)).json().trials as Row[];
    expect(listed.map((t) => [t.id, t.pausedAt])).toEqual([[paused, { epoch: 3, value: 0.21 }]]);
    const one = (await get(`/api/v1/sweeps/${id}/trials/${paused}`)).json();
    expect(one).toMatchObject({ state: 'paused', pausedAt: { epoch: 3, value: 0.21 } });
    expect((await get(`/api/v1/sweeps/${id}/trials/${pruned}`)).json().pausedAt).toBeNull();

    const csv = (await get(`/api/v1/sweeps/${id}/export?format=csv&table=grid`)).body.split('\n');
    expect(csv[0]).toMatch(/,paused,paused_at_epoch,paused_acc$/);
    expect(csv[1]).toMatch(/,1,3,0\.21$/);
    const md = (await get(`/api/v1/sweeps/${id}/export?format=md&table=grid`)).body;
    expect(md).toContain('| 0.1 | paused@3 (0.2100) |');
    expect(md).toContain('| 1 | pruned@1 (0.0500) |');

    const cancel = await app.inject({
      method: 'POST',
      url: `/api/v1/sweeps/${id}/cancel`,
      headers: { authorization: `Bearer ${writeKey}` },
    });
    expect(cancel.statusCode, cancel.body).toBe(200);
    expect(cancel.json()).toMatchObject({
      cancelledQueued: 0,
      cancelledPaused: 1,
      stoppedRunning: 0,
    });
  });
});

describe('browser sessions', () => {
  it('exchanges a key for an HttpOnly SameSite=Strict cookie that authenticates', async () => {
    const bad = await app.inject({
      method: 'POST',
      url: '/api/v1/session',
      payload: { key: 'swk_nope' },
    });
    expect(bad.statusCode).toBe(401);
    expect(bad.headers['set-cookie']).toBeUndefined();
    const ok = await app.inject({
      method: 'POST',
      url: '/api/v1/session',
      payload: { key: readKey },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().scope).toBe('read');
    const cookie = String(ok.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Max-Age=\d+/);
    expect(cookie).not.toContain(readKey);
    const pair = cookie.split(';')[0]!;
    const me = await app.inject({ url: '/api/v1/session', headers: { cookie: pair } });
    expect(me.json()).toMatchObject({ scope: 'read' });
    expect(me.json().expiresAt).toBeTruthy();
    expect(
      (await app.inject({ url: '/api/v1/sweeps', headers: { cookie: pair } })).statusCode,
    ).toBe(200);
    // a read session cannot write; a tampered cookie is no session
    const cancel = await app.inject({
      method: 'POST',
      url: `/api/v1/sweeps/${sweepId}/cancel`,
      headers: { cookie: pair },
    });
    expect(cancel.statusCode).toBe(403);
    const tampered = `${pair.slice(0, -2)}AA`;
    expect(
      (await app.inject({ url: '/api/v1/sweeps', headers: { cookie: tampered } })).statusCode,
    ).toBe(401);
    const out = await app.inject({ method: 'DELETE', url: '/api/v1/session' });
    expect(String(out.headers['set-cookie'])).toMatch(/Max-Age=0/);
  });

  it('does not let another site write with the cookie', async () => {
    const ok = await app.inject({
      method: 'POST',
      url: '/api/v1/session',
      payload: { key: writeKey },
    });
    const pair = String(ok.headers['set-cookie']).split(';')[0]!;
    const r = await app.inject({
      method: 'POST',
      url: '/api/v1/sweeps/preview',
      headers: { cookie: pair, origin: 'https://evil.example' },
      payload: spec,
    });
    expect(r.statusCode).toBe(401);
  });
});

describe('the event stream', () => {
  it('sends trial events, heartbeats, replays after Last-Event-ID and needs a key', async () => {
    expect((await fetch(`${base}/api/v1/sweeps/${sweepId}/events`)).status).toBe(401);
    const headers = { authorization: `Bearer ${readKey}` };
    expect((await fetch(`${base}/api/v1/sweeps/sw_0000dead/events`, { headers })).status).toBe(404);
    const res = await fetch(`${base}/api/v1/sweeps/${sweepId}/events`, { headers });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const first = await readStream(res, (t) => /event: ready/.test(t) && /: ping/.test(t));
    const readyId = /id: (\d+)\nevent: ready/.exec(first.text)![1]!;
    const queued = (await get(`/api/v1/sweeps/${sweepId}/trials?state=queued`)).json().trials;
    const target = queued[0].id as string;
    await completeTrial(db, await claim(target), { finalMetric: 0.3, metrics: {} });
    const more = await readStream(res, (t) =>
      t.includes(`"trialId":"${target}","state":"succeeded"`),
    );
    expect(more.text).toContain(`"trialId":"${target}","state":"running"`);
    await first.reader.cancel();

    const replay = await fetch(`${base}/api/v1/sweeps/${sweepId}/events`, {
      headers: { ...headers, 'last-event-id': readyId },
    });
    const again = await readStream(replay, (t) =>
      t.includes(`"trialId":"${target}","state":"succeeded"`),
    );
    expect(again.text).toContain(`"state":"running"`);
    expect(again.text).not.toContain('event: ready');

    // a cookie works too (EventSource sends no headers)
    const ok = await app.inject({
      method: 'POST',
      url: '/api/v1/session',
      payload: { key: readKey },
    });
    const pair = String(ok.headers['set-cookie']).split(';')[0]!;
    const viaCookie = await fetch(`${base}/api/v1/sweeps/${sweepId}/events`, {
      headers: { cookie: pair },
    });
    expect(viaCookie.status).toBe(200);
    await readStream(viaCookie, (t) => t.includes('event: ready'));

    // shutdown ends open streams instead of waiting for them
    const closing = app.close();
    const ended = await readStream(replay, () => false, 5_000);
    expect(ended.ended).toBe(true);
    await closing;
  });
});

describe('the static dashboard', () => {
  it('serves index.html uncached for app addresses and hashed assets cached', async () => {
    // app was closed by the stream test: inject still works on a closed instance's router
    const fresh = await buildApp(deps, {
      logLevel: 'silent',
      rateLimitPerMin: 100,
      dashboardDir: distDir,
    });
    for (const url of ['/', '/sweeps/sw_abc', '/workers', '/new']) {
      const r = await fresh.inject({ url });
      expect(r.statusCode, url).toBe(200);
      expect(r.headers['cache-control']).toBe('no-cache');
      expect(r.body).toContain('<title>sweeps</title>');
    }
    const js = await fresh.inject({
      url: '/assets/app-abc123.js',
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(js.headers['cache-control']).toMatch(/immutable/);
    expect(js.headers['content-encoding']).toBe('gzip');
    expect((await fresh.inject({ url: '/assets/../index.html' })).statusCode).not.toBe(200);
    expect((await fresh.inject({ url: '/assets/nope.js' })).statusCode).toBe(404);
    await fresh.close();
  });
});
