/**
 * Many workers against one PostgreSQL and one Redis (issue 22): `workers` in-process workers of `slots` slots each
 * (default 500 x 8 = 4,000 slots) take no-op trials of `trialMs` (default 3 s, one epoch reported halfway) from a
 * real API's sweeps through the worker's own path: a BullMQ worker per simulated worker (its own Redis connections,
 * `slots` concurrent jobs), the claim of @sweeps/orchestrate, `recordEpoch` and `completeTrial` of @sweeps/db, and
 * each worker's heartbeat every SWEEPS_HEARTBEAT_MS (default 5 s, as the worker's) and its watch of its jobs' locks
 * (every running trial's lock read each second, as the worker's QueueLockWatch does). Trainer processes are left
 * out: what is measured is what the services carry. All simulated workers share one PostgreSQL pool of
 * SCALE_PG_POOL connections (default 20), as they would share a PgBouncer in transaction mode's server
 * connections; see docs/deploy.md ("Connections and scale") for one worker's budget without one.
 *
 *   npx tsx bench/scale.bench.ts [workers=500] [slots=8] [seconds=60] [trialMs=3000]
 *   npm run bench -- "scale"          # the full size; `npx tsx bench/scale.bench.ts 50` is a quick one
 *
 * Measured over `seconds` after a warm-up of two trial lengths: trials per second, claim latency (the claim
 * statement, p50/p99), heartbeat writes per second, PostgreSQL connections (all, active) and Redis clients of this
 * run, 4 readers' API read latency (sweep, grid, best: p50/p99), and the CPU share of each party (this process,
 * the API, PostgreSQL's backends of this database, redis-server) to say what saturates first. One JSON line.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import {
  completeTrial,
  createApiKey,
  createDb,
  heartbeatWorker,
  recordEpoch,
  registerWorker,
} from '../packages/db/src/index.ts';
import { applyMigrations } from '../packages/db/src/migrate.ts';
import { claimTrialJob } from '../packages/orchestrate/src/index.ts';
import {
  createRedis,
  createTrialWorker,
  queueNames,
  type Redis,
  readJobLock,
  type Worker,
} from '../packages/queue/src/index.ts';
import { QueueLockWatch } from '../apps/worker/src/queue-lock-watch.ts';
import { quantile } from './support.ts';
import { cpuSeconds, splitSweeps } from './scale-model.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const DATABASE_URL =
  process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/sweeps_test';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const [workers, slots, seconds, trialMs] = [500, 8, 60, 3000].map((d, i) =>
  Number(process.argv[2 + i] ?? d),
) as [number, number, number, number];
const POOL = Number(process.env.SCALE_PG_POOL ?? 20);
const HEARTBEAT_MS = Number(process.env.SWEEPS_HEARTBEAT_MS ?? 5000);
const READERS = 4;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

const prefix = `scale${randomBytes(4).toString('hex')}`;
const dbName = `sweeps_${prefix}`;
const dbUrl = DATABASE_URL.replace(/\/[^/]+$/, `/${dbName}`);
const redisDb = Number(new URL(REDIS_URL).pathname.slice(1) || 0);
let api: ChildProcess | undefined;
const bullWorkers: Worker[] = [];
const lockReaders: Redis[] = [];
const stopWatches: Array<() => void> = [];
const timers: NodeJS.Timeout[] = [];
await applyMigrations(dbUrl);
const db = createDb(dbUrl, POOL);
const admin = new pg.Client({ connectionString: dbUrl });
await admin.connect();
const redis = createRedis(REDIS_URL);
try {
  const writeKey = (await createApiKey(db, 'write', 'bench')).key;
  const readKey = (await createApiKey(db, 'read', 'bench')).key;
  const port = await freePort();
  api = spawn(process.execPath, ['--import', 'tsx', 'apps/api/src/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: dbUrl,
      REDIS_URL,
      SWEEPS_QUEUE_PREFIX: prefix,
      SWEEPS_DATA_DIR: `${ROOT}.data/${prefix}`,
      LOG_LEVEL: 'warn',
      PORT: String(port),
      SWEEPS_RATE_LIMIT_PER_MIN: '100000000',
      SWEEPS_QUOTA_QUEUED_TRIALS_PER_KEY: '0',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true,
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if ((await fetch(`${base}/healthz`).catch(() => null))?.ok) break;
    if (i > 600) throw new Error('the API did not answer /healthz');
    await sleep(100); // sleep-ok: the benchmark's own poll for the API's start
  }

  // the workers, registered as the worker registers (so the API's submit check sees live workers)
  const ids = Array.from({ length: workers }, (_, i) => `${prefix}-w${i}`);
  for (let i = 0; i < ids.length; i += 50)
    await Promise.all(
      ids
        .slice(i, i + 50)
        .map((id) => registerWorker(db, { id, host: `host-${id}`, slots, devices: [], pid: 1 })),
    );

  // enough trials for the warm-up and the window, in sweeps of at most SWEEP_TRIALS
  const wanted = Math.ceil(
    ((workers * slots * (seconds + (2 * trialMs) / 1000)) / (trialMs / 1000)) * 1.1,
  );
  const sweepIds: string[] = [];
  for (const [i, shape] of splitSweeps(wanted).entries()) {
    const post = () =>
      fetch(`${base}/api/v1/sweeps`, {
        method: 'POST',
        headers: { authorization: `Bearer ${writeKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          name: `scale-${i}`,
          metric: { name: 'bbox_mAP', goal: 'maximize' },
          trainer: { kind: 'noop' },
          checkpoints: Array.from({ length: shape.checkpoints }, (_, c) => ({
            name: `ckpt-${c}`,
            uri: 'scratch',
            baseline: c === 0,
          })),
          space: {
            optimizer: {
              SGD: {
                lr: Array.from({ length: shape.lrs }, (_, k) => 1e-4 * (k + 1)),
                weight_decay: [0],
              },
            },
          },
          fixed: { epochs: 1 },
          seeds: Array.from({ length: shape.seeds }, (_, k) => k),
        }),
      });
    // a loaded machine's Redis may miss the API's enqueue deadline: the sweep is then not created; ask again
    let r = await post();
    for (let tries = 1; r.status === 503 && tries < 5; tries++) r = await post();
    const json = (await r.json()) as { id: string };
    if (r.status !== 201) throw new Error(`POST /sweeps: ${r.status} ${JSON.stringify(json)}`);
    sweepIds.push(json.id);
  }

  // what the window counts
  let measuring = false;
  const claimMs: number[] = [];
  const readMs: Record<string, number[]> = { sweep: [], grid: [], best: [] };
  let trialsDone = 0;
  let heartbeats = 0;
  let errors = 0;
  let locksLost = 0;
  const names = queueNames(prefix);
  const half = trialMs / 2;

  for (const [w, workerId] of ids.entries()) {
    const running = new Map<string, AbortController>();
    const worker = createTrialWorker(names, createRedis(REDIS_URL), slots, async (job, token) => {
      const { trialId } = job.data;
      running.set(job.id!, new AbortController());
      try {
        return await runTrial(job, token, trialId);
      } finally {
        running.delete(job.id!);
      }
    });
    const runTrial = async (
      job: Parameters<typeof claimTrialJob>[1],
      token: string | undefined,
      trialId: string,
    ) => {
      const t0 = performance.now();
      const claim = await claimTrialJob(db, job, token, trialId, workerId);
      if (measuring) claimMs.push(performance.now() - t0);
      if (claim?.kind !== 'claimed') return 'skipped';
      await sleep(half); // sleep-ok: the no-op trial's first half
      await recordEpoch(db, claim.lease, 1, { bbox_mAP: 0.5 }, { resumed: false });
      await sleep(half); // sleep-ok: its second half
      await completeTrial(db, claim.lease, { finalMetric: 0.5, metrics: { bbox_mAP: 0.5 } });
      if (measuring) trialsDone++;
      return 'succeeded';
    };
    worker.on('error', () => {
      errors++;
    });
    bullWorkers.push(worker);
    const lockReader = createRedis(REDIS_URL, { failFast: true });
    lockReader.on('error', () => {});
    lockReaders.push(lockReader);
    const locks = new QueueLockWatch({
      read: (jobId) => readJobLock(lockReader, names, jobId),
      running,
      log: () => {
        locksLost++; // the watch stopped a trial: its lock was not renewed in time (a stalled event loop)
      },
    });
    worker.on('active', (job) => {
      if (job.id && job.token) locks.track(job.id, job.token);
    });
    stopWatches.push(locks.start());
    // heartbeats spread over the interval, as independently started workers' are
    const start = setTimeout(
      () => {
        timers.push(
          setInterval(() => {
            heartbeatWorker(db, workerId)
              .then(() => {
                if (measuring) heartbeats++;
              })
              .catch(() => {
                errors++;
              });
          }, HEARTBEAT_MS),
        );
      },
      (w * HEARTBEAT_MS) / workers,
    );
    timers.push(start);
  }

  let stopped = false;
  const readers = Array.from({ length: READERS }, async (_, r) => {
    const routes = [
      ['sweep', ''],
      ['grid', '/grid'],
      ['best', '/best'],
    ] as const;
    for (let i = r; !stopped; i++) {
      const [name, path] = routes[i % routes.length]!;
      const t0 = performance.now();
      const res = await fetch(`${base}/api/v1/sweeps/${sweepIds[0]}${path}`, {
        headers: { authorization: `Bearer ${readKey}` },
      }).catch(() => null);
      await res?.arrayBuffer();
      if (measuring) {
        if (res?.ok) readMs[name]!.push(performance.now() - t0);
        else errors++;
      }
    }
  });

  await sleep(2 * trialMs + 2000); // sleep-ok: warm-up, every slot busy before the window
  const loop = monitorEventLoopDelay({ resolution: 20 });
  loop.enable();
  const samples: Array<{ pgAll: number; pgActive: number; redisClients: number }> = [];
  const cpuBefore = await cpuSeconds(admin, redis, dbName, api.pid!);
  const tBefore = performance.now();
  const loadBefore = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
  measuring = true;
  const windowEnd = Date.now() + seconds * 1000;
  while (Date.now() < windowEnd) {
    const [{ rows }, clients] = await Promise.all([
      admin.query<{ all: number; active: number }>(
        `SELECT count(*)::int AS all, count(*) FILTER (WHERE state = 'active')::int AS active
         FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
        [dbName],
      ),
      redis.client('LIST') as Promise<string>,
    ]);
    samples.push({
      pgAll: rows[0]!.all,
      pgActive: rows[0]!.active,
      redisClients: clients.split('\n').filter((l) => l.includes(` db=${redisDb} `)).length,
    });
    await sleep(1000); // sleep-ok: one sample a second
  }
  measuring = false;
  const elapsed = (performance.now() - tBefore) / 1000;
  const cpuAfter = await cpuSeconds(admin, redis, dbName, api.pid!);
  loop.disable();
  stopped = true;
  const share = (k: keyof typeof cpuAfter) =>
    Number(((cpuAfter[k] - cpuBefore[k]) / elapsed).toFixed(2));
  const q = (xs: number[], p: number) => Number(quantile(xs, p).toFixed(1));
  const max = (k: 'pgAll' | 'pgActive' | 'redisClients') => Math.max(...samples.map((s) => s[k]));
  const mean = (k: 'pgAll' | 'pgActive' | 'redisClients') =>
    Number((samples.reduce((a, s) => a + s[k], 0) / samples.length).toFixed(1));
  const result = {
    name: 'scale',
    workers,
    slots_per_worker: slots,
    slots: workers * slots,
    trial_ms: trialMs,
    window_s: Number(elapsed.toFixed(1)),
    pg_pool: POOL,
    trials_per_s: Number((trialsDone / elapsed).toFixed(1)),
    trials_per_s_if_slots_full: Number(((workers * slots) / (trialMs / 1000)).toFixed(1)),
    claim_ms_p50: q(claimMs, 0.5),
    claim_ms_p99: q(claimMs, 0.99),
    heartbeat_writes_per_s: Number((heartbeats / elapsed).toFixed(1)),
    pg_connections_mean: mean('pgAll'),
    pg_connections_max: max('pgAll'),
    pg_active_mean: mean('pgActive'),
    pg_active_max: max('pgActive'),
    redis_clients_max: max('redisClients'),
    api_read_ms: Object.fromEntries(
      Object.entries(readMs).map(([k, xs]) => [
        k,
        { n: xs.length, p50: q(xs, 0.5), p99: q(xs, 0.99) },
      ]),
    ),
    cpu_cores: {
      bench_process: share('bench'),
      api: share('api'),
      postgres_backends: share('postgres'),
      redis: share('redis'),
    },
    bench_event_loop_delay_ms_p99: Number((loop.percentile(99) / 1e6).toFixed(1)),
    errors,
    locks_lost: locksLost,
    load_average_before_after: `${loadBefore} → ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]}`,
  };
  console.log(JSON.stringify(result));
  await Promise.race([Promise.all(readers), sleep(10_000)]);
} finally {
  for (const t of timers) clearTimeout(t);
  for (const stop of stopWatches) stop();
  await Promise.all(bullWorkers.map((w) => w.close(true).catch(() => {})));
  for (const r of lockReaders) r.disconnect();
  if (api?.pid)
    try {
      process.kill(-api.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  await admin.end();
  await db.$disconnect();
  await redis
    .eval(
      `local n = 0 for _, k in ipairs(redis.call('keys', ARGV[1])) do redis.call('del', k) n = n + 1 end return n`,
      0,
      `${prefix}:*`,
    )
    .catch(() => {});
  redis.disconnect();
  rmSync(`${ROOT}.data/${prefix}`, { recursive: true, force: true });
  const root = new pg.Client({ connectionString: DATABASE_URL });
  await root.connect();
  await root.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`).catch(() => {});
  await root.end();
}
