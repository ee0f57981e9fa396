/**
 * Limits over the real PostgreSQL and Redis (issue 19, finding 6): per-key quotas on sweeps and waiting trials
 * (admin keys exempt), cancel and delete of a real 10,000-trial sweep through the API in batches, the trial view
 * paged by epoch (10,000 epochs x 26 metrics no longer come back as one 2.4 MB body), and sweep files refused at
 * submission for unbounded epochs or a never-settable environment variable.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '@sweeps/db';
import { apiTestServices } from '../../../test/support/api-services.ts';
import { studySweep } from '../../../test/fixtures/study-mnist.ts';
import { buildApp } from './app.ts';

const services = apiTestServices('lim');
const deps = { ...services.deps, maxTrials: 10_000, quotas: { sweeps: 3, queuedTrials: 30 } };
const { db } = deps;
let app: Awaited<ReturnType<typeof buildApp>>;
const k: Record<'alice' | 'carol' | 'admin' | 'reader', { id: string; key: string }> = {} as never;

beforeAll(async () => {
  app = await buildApp(deps, { logLevel: 'silent', rateLimitPerMin: 100_000 });
  k.alice = await createApiKey(db, 'write', 'alice');
  k.carol = await createApiKey(db, 'write', 'carol');
  k.admin = await createApiKey(db, 'admin', 'ops');
  k.reader = await createApiKey(db, 'read', 'dashboard');
});
afterAll(async () => {
  await app.close();
  await services.close();
});

const call = (who: keyof typeof k, method: string, url: string, payload?: unknown) =>
  app.inject({
    method: method as 'GET',
    url,
    headers: { authorization: `Bearer ${k[who].key}` },
    ...(payload === undefined ? {} : { payload: payload as object }),
  });

/** A one-trial sweep (one checkpoint, one cell). */
const tiny = (name: string) => ({
  ...studySweep({ name }),
  checkpoints: [{ name: 'only', uri: 'scratch', baseline: true }],
  space: { optimizer: { SGD: { lr: [0.1], weight_decay: [0] } } },
});
const sweepsOf = (keyId: string) => db.sweep.count({ where: { createdByKeyId: keyId } });

describe('per-key quotas', () => {
  it('refuses a sweep over the queued-trials quota with 429, naming the quota, count and limit', async () => {
    const first = await call('alice', 'POST', '/api/v1/sweeps', studySweep({ name: 'q-1' }));
    expect(first.statusCode).toBe(201); // 24 trials waiting, the quota is 30
    const second = await call('alice', 'POST', '/api/v1/sweeps', studySweep({ name: 'q-2' }));
    expect(second.statusCode).toBe(429);
    expect(second.json().error.code).toBe('QUOTA_EXCEEDED');
    expect(second.json().error.message).toBe(
      "Over the quota of queued trials per key: This API key's sweeps have 24 trials waiting to run and this request adds 24; the limit is 30 (SWEEPS_QUOTA_QUEUED_TRIALS_PER_KEY). Wait for trials to run, cancel sweeps, or ask an admin.",
    );
    expect(await sweepsOf(k.alice.id)).toBe(1); // nothing of the refused sweep was stored
    const id = first.json().id as string;
    // extending and retrying count too; cancelling frees the quota
    const extend = await call('alice', 'POST', `/api/v1/sweeps/${id}/extend`, { seeds: [1] });
    expect(extend.statusCode).toBe(429);
    expect(extend.json().error.message).toMatch(/24 trials waiting.*adds 24; the limit is 30/);
    expect(await db.trial.count({ where: { sweepId: id } })).toBe(24);
    expect((await call('alice', 'POST', `/api/v1/sweeps/${id}/cancel`)).statusCode).toBe(200);
    expect(
      (await call('alice', 'POST', '/api/v1/sweeps', studySweep({ name: 'q-3' }))).statusCode,
    ).toBe(201);
  });

  it('refuses a sweep over the sweeps quota until one is deleted', async () => {
    const ids: string[] = [];
    for (const n of [1, 2, 3]) {
      const r = await call('carol', 'POST', '/api/v1/sweeps', tiny(`s-${n}`));
      expect(r.statusCode).toBe(201);
      ids.push(r.json().id);
    }
    const fourth = await call('carol', 'POST', '/api/v1/sweeps', tiny('s-4'));
    expect(fourth.statusCode).toBe(429);
    expect(fourth.json().error).toMatchObject({
      code: 'QUOTA_EXCEEDED',
      message:
        'Over the quota of sweeps per key: This API key has 3 sweeps; the limit is 3 (SWEEPS_QUOTA_SWEEPS_PER_KEY). Delete sweeps you no longer need, or ask an admin.',
      issues: [{ path: 'quota', value: { quota: 'sweeps per key', current: 3, limit: 3 } }],
    });
    expect(await sweepsOf(k.carol.id)).toBe(3);
    expect((await call('carol', 'DELETE', `/api/v1/sweeps/${ids[0]}`)).statusCode).toBe(200);
    expect((await call('carol', 'POST', '/api/v1/sweeps', tiny('s-4'))).statusCode).toBe(201);
  });

  it('holds with many requests of one key at once (one advisory lock per key)', async () => {
    const reader = await createApiKey(db, 'write', 'burst');
    const burst = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        app.inject({
          method: 'POST',
          url: '/api/v1/sweeps',
          headers: { authorization: `Bearer ${reader.key}` },
          payload: tiny(`burst-${i}`),
        }),
      ),
    );
    expect(burst.map((r) => r.statusCode).sort()).toEqual([201, 201, 201, 429, 429, 429]);
    expect(await sweepsOf(reader.id)).toBe(3);
  });

  it('does not limit admin keys', async () => {
    for (const n of [1, 2, 3, 4])
      expect(
        (await call('admin', 'POST', '/api/v1/sweeps', studySweep({ name: `a-${n}` }))).statusCode,
      ).toBe(201);
  });
});

describe('a 10,000-trial sweep', () => {
  it('is cancelled and deleted through the API, its 10,000 jobs leaving Redis', async () => {
    const big = {
      ...tiny('ten-thousand'),
      trainer: { kind: 'noop' },
      space: {
        optimizer: {
          SGD: {
            lr: Array.from({ length: 100 }, (_, i) => (i + 1) / 1000),
            weight_decay: Array.from({ length: 100 }, (_, i) => i / 10_000),
          },
        },
      },
    };
    const created = await call('admin', 'POST', '/api/v1/sweeps', big);
    expect(created.statusCode).toBe(201);
    const id = created.json().id as string;
    expect((await deps.queue.getJobCounts('waiting')).waiting).toBeGreaterThanOrEqual(10_000);
    const cancel = await call('admin', 'POST', `/api/v1/sweeps/${id}/cancel`);
    expect(cancel.statusCode).toBe(200);
    expect(cancel.json()).toMatchObject({ cancelledQueued: 10_000, stoppedRunning: 0 });
    const waiting = await deps.queue.getJobs(['waiting'], 0, -1);
    expect(waiting.filter((j) => j.data.sweepId === id)).toHaveLength(0);
    const del = await call('admin', 'DELETE', `/api/v1/sweeps/${id}`);
    expect(del.statusCode).toBe(200);
    expect(await db.trial.count({ where: { sweepId: id } })).toBe(0);
    expect((await call('reader', 'GET', `/api/v1/sweeps/${id}`)).statusCode).toBe(404);
  });
});

describe('the trial view', () => {
  it('pages 10,000 epochs x 26 metrics by epoch, 1,000 at most per answer', async () => {
    const created = await call('admin', 'POST', '/api/v1/sweeps', tiny('long-curve'));
    const id = created.json().id as string;
    const trialId = (await db.trial.findFirstOrThrow({ where: { sweepId: id } })).id;
    // what a trainer with 10,000 epochs of 26 metrics leaves (the worker's cap is raised for such a run)
    await db.$executeRaw`
      INSERT INTO trial_metrics (trial_id, lease, epoch, name, value)
      SELECT ${trialId}, 1, e, 'metric_' || m, e + m / 100.0
      FROM generate_series(1, 10000) e, generate_series(1, 26) m`;
    await db.$executeRaw`
      INSERT INTO trial_progress (trial_id, sweep_id, metrics_lease, epochs_run)
      VALUES (${trialId}, ${id}, 1, 10000)`;
    const url = `/api/v1/sweeps/${id}/trials/${trialId}`;
    const first = await call('reader', 'GET', url);
    expect(first.statusCode).toBe(200);
    // 1,000 of the 10,000 epochs: about 0.5 MB here, where the whole curve came back as one 5 MB body
    expect(first.body.length).toBeLessThan(600_000);
    const body = first.json();
    expect(body.epochs).toHaveLength(1_000);
    expect(body.epochs[0]).toMatchObject({ epoch: 1, metric_1: 1.01, metric_26: 1.26 });
    expect(body).toMatchObject({ epochsTruncated: true, epochsNextFrom: 1_001 });
    expect(body.metricLeases).toEqual([expect.objectContaining({ lease: 1, epochs: 10_000 })]);
    // page through with the next page's first epoch, as the CLI's --epochs-from does
    const seen: number[] = [];
    let from: number | null = 0;
    while (from !== null) {
      const page: { epochs: Array<{ epoch: number }>; epochsNextFrom: number | null } = (
        await call('reader', 'GET', `${url}?epochs_from=${from}&epochs_limit=700`)
      ).json();
      seen.push(...page.epochs.map((e) => e.epoch));
      from = page.epochsNextFrom;
    }
    expect(seen).toEqual(Array.from({ length: 10_000 }, (_, i) => i + 1));
    const last = (await call('reader', 'GET', `${url}?epochs_from=9990`)).json();
    expect(last).toMatchObject({ epochsTruncated: false, epochsNextFrom: null });
    expect(last.epochs).toHaveLength(11);
    const tooMany = await call('reader', 'GET', `${url}?epochs_limit=1001`);
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json().error.message).toMatch(/epochs_limit/);
  });
});

describe('the trial view of a trial with 200 metrics per epoch', () => {
  it('holds at most 30,000 values: 150 epochs a page', async () => {
    const created = await call('admin', 'POST', '/api/v1/sweeps', tiny('wide-curve'));
    const id = created.json().id as string;
    const trialId = (await db.trial.findFirstOrThrow({ where: { sweepId: id } })).id;
    await db.$executeRaw`
      INSERT INTO trial_metrics (trial_id, lease, epoch, name, value)
      SELECT ${trialId}, 1, e, 'm' || m, m FROM generate_series(1, 400) e, generate_series(1, 200) m`;
    await db.$executeRaw`
      INSERT INTO trial_progress (trial_id, sweep_id, metrics_lease, epochs_run)
      VALUES (${trialId}, ${id}, 1, 400)`;
    const url = `/api/v1/sweeps/${id}/trials/${trialId}`;
    const first = (await call('reader', 'GET', url)).json();
    expect(first.epochs.map((e: { epoch: number }) => e.epoch)).toEqual(
      Array.from({ length: 150 }, (_, i) => i + 1),
    );
    expect(Object.keys(first.epochs[0])).toHaveLength(201);
    expect(first).toMatchObject({ epochsTruncated: true, epochsNextFrom: 151 });
    const last = (await call('reader', 'GET', `${url}?epochs_from=301`)).json();
    expect(last.epochs).toHaveLength(100);
    expect(last).toMatchObject({ epochsTruncated: false, epochsNextFrom: null });
  });
});

describe('sweep files refused at submission', () => {
  it('names fixed.epochs: 1e308 and a trainer.env of LD_PRELOAD', async () => {
    const epochs = await call('alice', 'POST', '/api/v1/sweeps', {
      ...tiny('huge'),
      fixed: { epochs: 1e308 },
    });
    expect(epochs.statusCode).toBe(400);
    expect(epochs.json().error.issues).toEqual([
      expect.objectContaining({ path: 'fixed.epochs', value: 1e308 }),
    ]);
    const preload = studySweep({ name: 'preload' });
    const env = await call('alice', 'POST', '/api/v1/sweeps', {
      ...preload,
      trainer: { ...preload.trainer, env: { LD_PRELOAD: '/tmp/evil.so' } },
    });
    expect(env.statusCode).toBe(400);
    expect(env.json().error.message).toMatch(
      /trainer\.env\.LD_PRELOAD: a sweep may never set LD_PRELOAD/,
    );
  });
});
