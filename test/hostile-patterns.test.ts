/**
 * User regexes cannot freeze anything (issue 19, finding 1), on a real API and a real worker process:
 * - `POST /parsers/check` with a read key and the pattern that once blocked the API for seconds per character,
 *   on 1 MiB of sample: `/healthz` keeps answering while it runs (latencies printed for BENCHMARKS.md);
 * - a sweep whose metric pattern backtracks exponentially in JavaScript runs and is parsed (RE2, linear time):
 *   the trial succeeds on its first attempt and the worker lives on;
 * - a pattern RE2 cannot run is refused at submission, saying what is unsupported.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Stack } from './support/stack.ts';

const stack = new Stack();
const CATASTROPHIC = 'regex:(?<epoch>\\d+) (?<bbox_mAP>(a|aa)+)$';

beforeAll(async () => {
  // /healthz is probed as fast as it answers (well over the default 1,200 requests a minute per address on an idle
  // machine): the per-address limit is raised so that the probe measures the parser check, not the rate limiter.
  await stack.start({ workers: 1, apiEnv: { SWEEPS_RATE_LIMIT_PER_MIN: '100000' } });
}, 120_000);
afterAll(async () => {
  await stack.stop();
});

const check = (sample: string) =>
  stack.call(
    'POST',
    '/api/v1/parsers/check',
    { parser: CATASTROPHIC, sample },
    { key: stack.readKey },
  );

describe('a user regex cannot freeze the API', () => {
  it('the catastrophic pattern on 1 MiB of sample leaves /healthz answering while it runs', async () => {
    expect((await check('1 aa')).status).toBe(200); // the first check also starts the thread pool
    const sample = `1 ${'a'.repeat(8188)}!\n`.repeat(128); // 128 lines of 8192 characters: 1 MiB
    expect(sample.length).toBe(1024 * 1024);
    const healthz = async () => {
      const t = performance.now();
      const res = await fetch(`${stack.baseUrl}/healthz`);
      await res.text();
      expect(res.status).toBe(200);
      return performance.now() - t;
    };
    const idle: number[] = []; // the same calls with no check running: this machine's own noise
    for (let i = 0; i < 100; i++) idle.push(await healthz());
    const latencies: number[] = [];
    const checks: number[] = [];
    for (let round = 0; round < 3; round++) {
      let done = false;
      const t0 = performance.now();
      const running = check(sample).finally(() => {
        done = true;
        checks.push(performance.now() - t0);
      });
      let during = 0;
      while (!done) {
        const ms = await healthz();
        if (!done) {
          during++;
          latencies.push(ms);
        }
      }
      const res = await running;
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ found: false, epochs: [] });
      expect(during, 'healthz answers while the check was in flight').toBeGreaterThan(0);
    }
    const ms = (x: number) => `${x.toFixed(1)} ms`;
    const spread = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      return `median ${ms(s[s.length >> 1]!)}, p95 ${ms(s[Math.floor(s.length * 0.95)]!)}, max ${ms(s.at(-1)!)}`;
    };
    console.log(
      `parser check, catastrophic pattern, 1 MiB sample (read key): ${checks.map(ms).join(', ')}; ` +
        `/healthz answered ${latencies.length} times meanwhile: ${spread(latencies)}; ` +
        `with no check running: ${spread(idle)}`,
    );
  }, 120_000);
});

describe('a sweep regex cannot freeze a worker', () => {
  it('a metric pattern that backtracks exponentially in JavaScript runs in linear time: the trial succeeds', async () => {
    const created = await stack.call('POST', '/api/v1/sweeps', {
      name: 'backtracking-metric-pattern',
      metric: { name: 'score' },
      trainer: {
        kind: 'command',
        command: ['node', 'test/fixtures/backtrack-trainer.mjs', '2'],
        metrics: { format: 'regex', pattern: '(?<epoch>\\d+) (?<score>(\\d|\\d\\d)+)$' },
      },
      checkpoints: [{ name: 'a', uri: 'file:///a' }],
      space: { optimizer: { AdamW: { lr: [1e-3], weight_decay: [0] } } },
    });
    expect(created.status).toBe(201);
    const sweepId = created.json.id as string;
    await stack.waitForPhase(sweepId, 'finished', 90_000).catch((e) => {
      throw new Error(`${e.message}\n${stack.logs()}`);
    });
    const list = await stack.call('GET', `/api/v1/sweeps/${sweepId}/trials`);
    const trialId = list.json.trials[0].id as string;
    const t = (await stack.call('GET', `/api/v1/sweeps/${sweepId}/trials/${trialId}`)).json;
    expect(t).toMatchObject({ state: 'succeeded', attempts: 1 });
    expect(t.epochs.map((e: { epoch: number; score: number }) => [e.epoch, e.score])).toEqual([
      [1, 10],
      [2, 20],
    ]);
    expect(stack.workers[0]!.child.exitCode).toBeNull();
  }, 120_000);

  it('a pattern RE2 cannot run is refused at submission, naming what is unsupported', async () => {
    const res = await stack.call('POST', '/api/v1/sweeps', {
      name: 'lookbehind-metric-pattern',
      metric: { name: 'score' },
      trainer: {
        kind: 'command',
        command: ['node', 'test/fixtures/backtrack-trainer.mjs'],
        metrics: { format: 'regex', pattern: '(?<=Epoch )(?<epoch>\\d+) (?<score>\\d+)' },
      },
      checkpoints: [{ name: 'a', uri: 'file:///a' }],
      space: { optimizer: { AdamW: { lr: [1e-3], weight_decay: [0] } } },
    });
    expect(res.status).toBe(400);
    expect(res.json.error.issues[0]).toMatchObject({ path: 'trainer.metrics.pattern' });
    expect(res.json.error.issues[0].message).toMatch(/lookbehind .* is not supported/);
  });
});
