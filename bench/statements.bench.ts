/**
 * What one trial costs in PostgreSQL statements and Redis commands, by phase (issue 22): the API's enqueue, and a
 * worker's claim, start, epoch reports and finish of no-op trials, and its hand-back at shutdown. Counted on the
 * wire (wire-counts.ts) between the processes and the services, so the figures do not depend on the machine's load
 * and the same file runs on an older commit's tree (see BENCHMARKS.md). Needs only the API's and the worker's entry
 * points, `applyMigrations` and `createApiKey` of @sweeps/db, TEST_DATABASE_URL and TEST_REDIS_URL.
 *
 *   npx tsx bench/statements.bench.ts [trials=200] [slots=8]
 *
 * Prints each phase's statements and commands per trial (JSON lines), then the statement shapes behind them.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import { createApiKey, createDb } from '../packages/db/src/index.ts';
import { applyMigrations } from '../packages/db/src/migrate.ts';
import { countingProxy, PgClientStream, RespClientStream, statementShape } from './wire-counts.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const DATABASE_URL =
  process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/sweeps_test';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const trials = Number(process.argv[2] ?? 200);
const slots = Number(process.argv[3] ?? 8);

/** Counts per role ('api' | 'worker') and statement shape / command name. */
class Tally {
  readonly counts = new Map<string, number>();
  roundTrips = 0;
  add(key: string) {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
  total() {
    let n = 0;
    for (const v of this.counts.values()) n += v;
    return n;
  }
  snapshot() {
    return { counts: new Map(this.counts), roundTrips: this.roundTrips };
  }
}
type Snapshot = ReturnType<Tally['snapshot']>;

/** BullMQ's Lua scripts by the SHA-1 ioredis sends them under, so EVALSHA reads as the script's name. */
async function bullmqScripts(): Promise<Map<string, string>> {
  const dir = `${ROOT}node_modules/bullmq/dist/esm/scripts/`;
  const out = new Map<string, string>();
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.js') && n !== 'index.js')) {
    const mod = (await import(pathToFileURL(dir + f).href)) as Record<string, unknown>;
    for (const v of Object.values(mod)) {
      const s = v as { name?: string; content?: string };
      if (s?.content && s.name) out.set(createHash('sha1').update(s.content).digest('hex'), s.name);
    }
  }
  return out;
}

function commandName(words: string[], scripts: Map<string, string>): string {
  const cmd = (words[0] ?? '').toLowerCase();
  if (cmd === 'evalsha')
    return `evalsha ${scripts.get(words[1] ?? '') ?? (words[1] ?? '').slice(0, 8)}`;
  if (cmd === 'eval') {
    const body = words[1] ?? '';
    const sha = createHash('sha1').update(body).digest('hex');
    return `eval ${scripts.get(sha) ?? body.replace(/\s+/g, ' ').slice(0, 40)}`;
  }
  return cmd;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

function start(args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; out: string[] } {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const out: string[] = [];
  const keep = (b: Buffer) => {
    out.push(...b.toString().split('\n').filter(Boolean));
    if (out.length > 200) out.splice(0, out.length - 200);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return { child, out };
}

async function until(what: string, check: () => Promise<boolean> | boolean, ms = 600_000) {
  const t0 = Date.now();
  while (!(await check())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25)); // sleep-ok: a poll interval of the benchmark's own waits
  }
}

function spec(name: string, epochs: number, epochMs: number) {
  // 2 optimizers x lrs x 1 weight decay x checkpoints: `trials` cells of one seed
  const lrs = Math.max(1, Math.round(trials / 20));
  return {
    name,
    metric: { name: 'bbox_mAP', goal: 'maximize' },
    trainer: { kind: 'noop', ...(epochMs ? { epoch_ms: epochMs } : {}) },
    checkpoints: Array.from({ length: 10 }, (_, i) => ({
      name: `ckpt-${i}`,
      uri: 'scratch',
      baseline: i === 0,
    })),
    space: {
      optimizer: {
        SGD: {
          lr: Array.from({ length: lrs }, (_, i) => 0.001 * (i + 1)),
          weight_decay: [1e-5],
          momentum: [0.9],
        },
        AdamW: { lr: Array.from({ length: lrs }, (_, i) => 1e-5 * (i + 1)), weight_decay: [0.01] },
      },
    },
    fixed: { epochs },
    seeds: [0],
  };
}

function diff(a: Snapshot, b: Snapshot): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of b.counts) {
    const d = v - (a.counts.get(k) ?? 0);
    if (d > 0) out.set(k, d);
  }
  return out;
}
const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

const prefix = `stmt${randomBytes(4).toString('hex')}`;
const dbUrl = DATABASE_URL.replace(/\/[^/]+$/, `/sweeps_${prefix}`);
const pgTarget = new URL(dbUrl);
const redisTarget = new URL(REDIS_URL);
const scripts = await bullmqScripts();
const tallies = {
  api: { pg: new Tally(), redis: new Tally() },
  worker: { pg: new Tally(), redis: new Tally() },
};
const proxies = await Promise.all(
  (['api', 'worker'] as const).flatMap((role) => [
    countingProxy({ host: pgTarget.hostname, port: Number(pgTarget.port || 5432) }, () => {
      const t = tallies[role].pg;
      const s = new PgClientStream((sql) => t.add(statementShape(sql)));
      return {
        push: (c: Buffer) => {
          const before = s.roundTrips;
          s.push(c);
          t.roundTrips += s.roundTrips - before;
        },
      };
    }),
    countingProxy({ host: redisTarget.hostname, port: Number(redisTarget.port || 6379) }, () => {
      const t = tallies[role].redis;
      const s = new RespClientStream((w) => t.add(commandName(w, scripts)));
      return {
        push: (c: Buffer) => {
          const before = s.roundTrips;
          s.push(c);
          t.roundTrips += s.roundTrips - before;
        },
      };
    }),
  ]),
);
const [apiPg, apiRedis, workerPg, workerRedis] = proxies.map((p) => p.port);
const via = (url: string, port: number) => {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.port = String(port);
  return u.toString();
};
const procs: ChildProcess[] = [];
const db = await (async () => {
  await applyMigrations(dbUrl);
  return createDb(dbUrl, 2);
})();
try {
  const key = (await createApiKey(db, 'write', 'bench')).key;
  const port = await freePort();
  const common = {
    REDIS_URL,
    SWEEPS_QUEUE_PREFIX: prefix,
    SWEEPS_DATA_DIR: `${ROOT}.data/${prefix}`,
    LOG_LEVEL: 'warn',
  };
  const api = start(['apps/api/src/main.ts'], {
    ...common,
    PORT: String(port),
    DATABASE_URL: via(dbUrl, apiPg!),
    REDIS_URL: via(REDIS_URL, apiRedis!),
    SWEEPS_RECONCILE_MS: '600000',
    SWEEPS_RATE_LIMIT_PER_MIN: '1000000',
    SWEEPS_QUOTA_QUEUED_TRIALS_PER_KEY: '0',
  });
  procs.push(api.child);
  const base = `http://127.0.0.1:${port}`;
  await until(
    'the API',
    async () => (await fetch(`${base}/healthz`).catch(() => null))?.ok === true,
  );
  const worker = start(
    ['apps/worker/src/main.ts', '--slots', String(slots), '--id', `${prefix}-w`, '--grace', '1'],
    {
      ...common,
      DATABASE_URL: via(dbUrl, workerPg!),
      REDIS_URL: via(REDIS_URL, workerRedis!),
      SWEEPS_HEARTBEAT_MS: '600000', // heartbeats are counted apart (per second, not per trial)
      SWEEPS_WORKER_RUN_AS: 'off',
    },
  );
  procs.push(worker.child);
  const ready = () => worker.out.some((l) => l.includes('ready with'));
  await until('the worker', () => worker.child.exitCode !== null || ready(), 120_000).catch(
    (err) => {
      throw new Error(`${err.message}:\n${worker.out.join('\n')}`);
    },
  );
  if (!ready()) throw new Error(`the worker did not start:\n${worker.out.join('\n')}`);
  const post = async (body: object) => {
    const r = await fetch(`${base}/api/v1/sweeps`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = (await r.json()) as { id: string; totalTrials: number };
    if (r.status !== 201) throw new Error(`POST /sweeps: ${r.status} ${JSON.stringify(json)}`);
    return json;
  };
  const count = (sweepId: string, state: string) =>
    db.trial.count({ where: { sweepId, state: state as never } });
  const snap = () => ({
    apiPg: tallies.api.pg.snapshot(),
    apiRedis: tallies.api.redis.snapshot(),
    workerPg: tallies.worker.pg.snapshot(),
    workerRedis: tallies.worker.redis.snapshot(),
  });
  type Snap = ReturnType<typeof snap>;
  const phases: { phase: string; per: number; from: Snap; to: Snap; events?: number | null }[] = [];
  // rows (and NOTIFYs) the trials' triggers wrote, where the tree has them (sweep_events, since 2026-11-29)
  const eventsOf = async (sweepId: string) =>
    db
      .$queryRawUnsafe<Array<{ n: number }>>(
        'SELECT count(*)::int AS n FROM sweep_events WHERE sweep_id = $1 AND trial_id IS NOT NULL',
        sweepId,
      )
      .then((r) => r[0]!.n)
      .catch(() => null);
  const settle = async () => {
    // let the last completions' follow-ups and events drain before a snapshot
    let last = -1;
    await until('the counts to settle', async () => {
      const n = tallies.worker.pg.total() + tallies.api.pg.total();
      const still = n === last;
      last = n;
      await new Promise((r) => setTimeout(r, 300)); // sleep-ok: quiet period before a snapshot
      return still;
    });
  };

  // 1. trials without epochs: enqueue (API), claim + start + finish (worker)
  let from = snap();
  const a = await post(spec('no-epochs', 0, 0));
  await until(
    'every trial to succeed',
    async () => (await count(a.id, 'succeeded')) === a.totalTrials,
  );
  await settle();
  phases.push({
    phase: 'trial without epochs',
    per: a.totalTrials,
    from,
    to: snap(),
    events: await eventsOf(a.id),
  });

  // 2. the same with 3 epochs each: the difference to 1 is 3 epoch reports
  from = snap();
  const b = await post(spec('three-epochs', 3, 0));
  await until(
    'every trial to succeed',
    async () => (await count(b.id, 'succeeded')) === b.totalTrials,
  );
  await settle();
  phases.push({
    phase: 'trial with 3 epochs',
    per: b.totalTrials,
    from,
    to: snap(),
    events: await eventsOf(b.id),
  });

  // 3. hand-back: `slots` long trials running, the worker stopped with no grace
  const c = await post({ ...spec('hand-back', 1, 60_000), seeds: [0] });
  await until('every slot to run a trial', async () => (await count(c.id, 'running')) === slots);
  await settle();
  from = snap();
  worker.child.kill('SIGTERM');
  await new Promise<void>((resolve) => worker.child.once('exit', () => resolve()));
  await until('the trials to be queued again', async () => (await count(c.id, 'running')) === 0);
  phases.push({ phase: 'hand-back at shutdown (incl. the stop)', per: slots, from, to: snap() });

  const rows: object[] = [];
  for (const p of phases) {
    const row = {
      phase: p.phase,
      trials: p.per,
      api_pg_per_trial: sum(diff(p.from.apiPg, p.to.apiPg)) / p.per,
      api_redis_per_trial: sum(diff(p.from.apiRedis, p.to.apiRedis)) / p.per,
      worker_pg_per_trial: sum(diff(p.from.workerPg, p.to.workerPg)) / p.per,
      worker_pg_round_trips_per_trial:
        (p.to.workerPg.roundTrips - p.from.workerPg.roundTrips) / p.per,
      worker_redis_per_trial: sum(diff(p.from.workerRedis, p.to.workerRedis)) / p.per,
      worker_redis_round_trips_per_trial:
        (p.to.workerRedis.roundTrips - p.from.workerRedis.roundTrips) / p.per,
      ...(p.events !== undefined
        ? { trigger_event_rows_and_notifies_per_trial: p.events === null ? null : p.events / p.per }
        : {}),
    };
    rows.push(row);
    console.log(JSON.stringify(row));
  }
  for (const p of phases) {
    console.log(`\n## ${p.phase} (${p.per} trials): per trial`);
    for (const [label, a2, b2] of [
      ['worker PostgreSQL', p.from.workerPg, p.to.workerPg],
      ['worker Redis', p.from.workerRedis, p.to.workerRedis],
      ['API PostgreSQL', p.from.apiPg, p.to.apiPg],
      ['API Redis', p.from.apiRedis, p.to.apiRedis],
    ] as const) {
      const d = [...diff(a2, b2)].sort((x, y) => y[1] - x[1]);
      console.log(`### ${label}: ${(sum(new Map(d)) / p.per).toFixed(2)}`);
      for (const [shape, n] of d)
        console.log(`${(n / p.per).toFixed(2).padStart(7)}  ${shape.slice(0, 220)}`);
    }
  }
} finally {
  for (const c of procs) {
    try {
      process.kill(-c.pid!, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  await db.$disconnect();
  for (const p of proxies) await p.close();
  rmSync(`${ROOT}.data/${prefix}`, { recursive: true, force: true });
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "sweeps_${prefix}" WITH (FORCE)`).catch(() => {});
  await admin.end();
}
