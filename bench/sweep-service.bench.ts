/**
 * Benchmarks of the sweep service (issue 2), each on a fresh database and queue prefix, through real processes:
 *  1. create a 10,000-trial sweep: time until the response, every trial then in PostgreSQL and Redis;
 *  2. orchestration overhead: 2,000 trials of the in-process no-op trainer through 2 worker processes;
 *  3. GET best and GET grid on a sweep of 10,000 finished trials with 12 epochs of metrics each: p50/p99.
 * Prints one JSON object per line, then a Markdown summary.
 */
import { Redis } from 'ioredis';
import { Stack } from '../test/support/stack.ts';
import { waitFor } from '../test/support/wait-for.ts';
import { finishSweep, quantile, sweepSpec } from './support.ts';

const median = (xs: number[]) => quantile(xs, 0.5);

async function benchCreate(stack: Stack, runs: number) {
  const spec = (i: number) => sweepSpec(`create-${i}`, 10, 10, 5, 10, { kind: 'noop' }); // 200 cells x 5 x 10 = 10,000
  const redis = new Redis(stack.redisUrl);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = await stack.call('POST', '/api/v1/sweeps', spec(i));
    times.push(performance.now() - t0);
    if (r.status !== 201 || r.json.totalTrials !== 10_000)
      throw new Error(`create failed: ${r.status} ${r.text.slice(0, 300)}`);
    const inPg = await stack.db.trial.count({ where: { sweepId: r.json.id } });
    const inRedis = await redis.llen(`${stack.prefix}:trials:wait`);
    if (inPg !== 10_000 || inRedis !== 10_000 * (i + 1))
      throw new Error(`expected 10,000 trials in PostgreSQL and Redis, got ${inPg} and ${inRedis}`);
  }
  redis.disconnect();
  return {
    name: 'create-10k-sweep',
    runs,
    median_ms: median(times),
    max_ms: Math.max(...times),
    target_ms: 2000,
  };
}

async function benchOrchestration(stack: Stack, trials: number) {
  for (let w = 0; w < 2; w++) await stack.startWorker(`bench-${w}-${stack.prefix}`, 64);
  const spec = sweepSpec('orchestration', 10, 10, 10, 1, { kind: 'noop' }); // 200 cells x 10 checkpoints = 2,000
  const t0 = performance.now();
  const r = await stack.call('POST', '/api/v1/sweeps', spec);
  if (r.json.totalTrials !== trials) throw new Error(`expected ${trials} trials, got ${r.text}`);
  await waitFor(
    'every trial to succeed',
    async () =>
      (await stack.db.trial.count({ where: { sweepId: r.json.id, state: 'succeeded' } })) ===
      trials,
    600_000,
    20,
  );
  const s = (performance.now() - t0) / 1000;
  await stack.stopWorkers();
  return {
    name: 'orchestration-noop-2-workers',
    trials,
    seconds: s,
    trials_per_s: trials / s,
    ms_per_trial: (s * 1000) / trials,
    target_trials_per_s: 500,
  };
}

async function benchReads(stack: Stack, requests: number) {
  const r = await stack.call(
    'POST',
    '/api/v1/sweeps',
    sweepSpec('reads', 10, 10, 5, 10, { kind: 'noop' }),
  );
  const id = r.json.id as string;
  await stack.call('POST', `/api/v1/sweeps/${id}/cancel`); // keep workers and reconcile away from it
  await stack.db.sweep.update({ where: { id }, data: { status: 'active' } });
  await finishSweep(stack, id);
  const rows = await stack.db.trialMetric.count({ where: { trial: { sweepId: id } } });
  const out = [];
  for (const route of ['best', 'grid']) {
    for (let i = 0; i < 20; i++) await stack.call('GET', `/api/v1/sweeps/${id}/${route}`); // warm-up
    const times: number[] = [];
    for (let i = 0; i < requests; i++) {
      const t0 = performance.now();
      const res = await stack.call('GET', `/api/v1/sweeps/${id}/${route}`);
      times.push(performance.now() - t0);
      if (res.status !== 200) throw new Error(`GET ${route}: ${res.status}`);
    }
    out.push({
      name: `get-${route}-10k-trials`,
      trials: 10_000,
      metric_rows: rows,
      requests,
      p50_ms: quantile(times, 0.5),
      p99_ms: quantile(times, 0.99),
      target_p99_ms: 50,
    });
  }
  return out;
}

const stack = new Stack();
try {
  await stack.start({
    workers: 0,
    apiEnv: {
      SWEEPS_RATE_LIMIT_PER_MIN: '1000000',
      SWEEPS_RECONCILE_MS: '600000',
      // five 10,000-trial sweeps of one key wait at once: the default quota (50,000) exactly; not what is measured
      SWEEPS_QUOTA_QUEUED_TRIALS_PER_KEY: '0',
    },
  });
  const only = process.argv[2]; // create | orchestration | reads (default: all)
  const results: object[] = [];
  if (!only || only === 'create') {
    results.push(await benchCreate(stack, 5));
    await stack.db.$executeRaw`TRUNCATE sweeps CASCADE`;
    const redis = new Redis(stack.redisUrl);
    await redis.eval(
      `for _, k in ipairs(redis.call('keys', ARGV[1])) do redis.call('del', k) end`,
      0,
      `${stack.prefix}:*`,
    );
    redis.disconnect();
  }
  if (!only || only === 'orchestration') results.push(await benchOrchestration(stack, 2000));
  if (!only || only === 'reads') results.push(...(await benchReads(stack, 300)));
  for (const r of results) console.log(JSON.stringify(r));
} finally {
  await stack.stop();
}
