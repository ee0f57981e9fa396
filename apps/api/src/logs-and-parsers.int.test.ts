/** The parser check and the trial log routes, in-process over the real PostgreSQL and Redis. */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newSweepId, planSweep } from '@sweeps/core';
import { createApiKey, createSweep } from '@sweeps/db';
import { appendTrialLog } from '@sweeps/queue';
import { apiTestServices } from '../../../test/support/api-services.ts';
import { buildApp } from './app.ts';
import { MAX_SAMPLE_LINES } from './services/parser-service.ts';

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

  it('refuses what RE2 cannot run (backreferences, lookaround), naming it', async () => {
    const cases: Array<[string, RegExp]> = [
      ['(?<epoch>\\d+) (?<bbox_mAP>\\d)\\1', /backreferences .* not supported/],
      ['(?<epoch>\\d+) (?<=x)(?<bbox_mAP>\\d)', /lookbehind .* not supported/],
      ['(?<epoch>\\d+) (?!x)(?<bbox_mAP>\\d)', /lookahead .* not supported/],
    ];
    for (const [pattern, message] of cases) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/parsers/check',
        headers,
        payload: { parser: `regex:${pattern}`, sample: '1 2' },
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'INVALID_SPEC' });
      expect(res.json().error.message).toMatch(message);
    }
  });

  it('refuses a sample over the line limit, saying both limits', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/parsers/check',
      headers,
      payload: { parser: 'jsonl', sample: '\n'.repeat(MAX_SAMPLE_LINES + 1) },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(
      /sample: a sample holds at most 1 MiB \(1,048,576 characters\) and 50,000 lines/,
    );
  });

  it('reads a full 1 MiB sample (a body over 1 MiB) with a pattern that backtracks in JavaScript', async () => {
    const line = `1 ${'a'.repeat(8188)}!\n`; // 8192 characters: 128 lines are 1 MiB
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/parsers/check',
      headers,
      payload: {
        parser: 'regex:(?<epoch>\\d+) (?<bbox_mAP>(a|aa)+)$',
        sample: `${line.repeat(127)}2 aaaa!\n3 0.5`.padEnd(1024 * 1024, ' '),
      },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ found: false, epochs: [] });
  });

  it('stops a check at its time limit with 422, and answers the next one', async () => {
    const slow = await buildApp(deps, {
      logLevel: 'silent',
      rateLimitPerMin: 1000,
      parserCheckTimeoutMs: 100,
    });
    try {
      const check = (sample: string) =>
        slow.inject({
          method: 'POST',
          url: '/api/v1/parsers/check',
          headers,
          payload: { parser: 'regex:(?<epoch>\\d+) (?<bbox_mAP>(a|aa)+)$', sample },
        });
      // 47,000 short lines (just under 1 MiB): about a second of matching, ten times the limit.
      const late = await check(`1 ${'a'.repeat(18)}!\n`.repeat(47_000));
      expect(late.statusCode).toBe(422);
      expect(late.json().error).toMatchObject({ code: 'PARSER_CHECK_TOO_COSTLY' });
      expect(late.json().error.message).toMatch(/did not finish within 0.1 s and was stopped/);
      const next = await check('7 aa');
      expect(next.statusCode).toBe(200);
      expect(next.json().epochs).toEqual([]);
    } finally {
      await slow.close();
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
