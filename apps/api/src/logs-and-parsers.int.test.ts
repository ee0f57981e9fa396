/** The parser check and the trial log routes, in-process over the real PostgreSQL and Redis. */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newSweepId, planSweep } from '@sweeps/core';
import { createApiKey, createSweep } from '@sweeps/db';
import { appendTrialLog } from '@sweeps/queue';
import { apiTestServices } from '../../../test/support/api-services.ts';
import { buildApp } from './app.ts';

const services = apiTestServices('logs');
const { deps } = services;
const { db, redis, names } = deps;
let app: Awaited<ReturnType<typeof buildApp>>;
let headers: Record<string, string> = {};
const fixture = (name: string) =>
  readFileSync(
    new URL(`../../../packages/trainer-mmdet/src/metrics/fixtures/${name}`, import.meta.url),
    'utf8',
  );

beforeAll(async () => {
  app = await buildApp(deps, { logLevel: 'silent', rateLimitPerMin: 1000 });
  headers = { authorization: `Bearer ${(await createApiKey(db, 'read', 'logs-test')).key}` };
});
afterAll(async () => {
  await app.close();
  await redis.del(...(await redis.keys(`${names.prefix}:trial-log*`)), 'none');
  await services.close();
});

describe('POST /api/v1/parsers/check', () => {
  it('returns each epoch of a posted MMDetection 3.x log and finds the metric', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/parsers/check',
      headers,
      payload: { parser: 'mmdet3', sample: fixture('v3-faster-rcnn.log') },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.found).toBe(true);
    expect(body.epochs.map((e: { epoch: number }) => e.epoch)).toEqual([1, 2]);
    expect(body.epochs[1].metrics.bbox_mAP).toBe(0.287);
  });

  it('reports a sweep metric that is not in the sample, and NaN as a string', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/parsers/check',
      headers,
      payload: { parser: 'mmdet2', sample: fixture('v2-faster-rcnn.log.json'), metric: 'segm_mAP' },
    });
    expect(res.json().found).toBe(false);
    expect(res.json().message).toMatch(/metric segm_mAP never appeared/);
    expect(res.json().epochs[2].metrics.loss).toBe('NaN');
  });

  it('refuses an unknown parser or a pattern without an epoch group, naming the field', async () => {
    for (const parser of ['mmdet4', 'regex:(?<bbox_mAP>[\\d.]+)']) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/parsers/check',
        headers,
        payload: { parser, sample: 'x' },
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.issues[0].path).toBe('parser');
    }
  });
});

describe('GET .../trials/:trialId/log', () => {
  it('shows the lines a worker shipped, by sweep and trial or by trial alone', async () => {
    const plan = planSweep({
      name: 'log-route',
      metric: { name: 'bbox_mAP' },
      trainer: { kind: 'command', command: ['true'] },
      checkpoints: [{ name: 'a', uri: 'file:///a' }],
      space: { optimizer: { SGD: { lr: [0.01], weight_decay: [0] } } },
    });
    const { sweepId, trialIds } = await createSweep(
      db,
      newSweepId(randomBytes(8).toString('hex')),
      plan,
    );
    const trialId = trialIds[0]!;
    await appendTrialLog(redis, names, trialId, ['first', 'second', 'third']);
    const a = await app.inject({
      url: `/api/v1/sweeps/${sweepId}/trials/${trialId}/log?tail=2`,
      headers,
    });
    expect(a.json()).toMatchObject({
      lines: ['second', 'third'],
      total: 3,
      running: true,
      state: 'queued',
    });
    const b = await app.inject({ url: `/api/v1/trials/${trialId}/log`, headers });
    expect(b.json().lines).toEqual(['first', 'second', 'third']);
    const other = await app.inject({
      url: `/api/v1/sweeps/sw_00000000/trials/${trialId}/log`,
      headers,
    });
    expect(other.statusCode).toBe(404);
  });
});
