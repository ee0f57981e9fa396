/**
 * Starts a real stack for end-to-end tests: a fresh PostgreSQL database with the committed migrations, an API
 * process and worker processes on a queue prefix of their own, all talking to the real Redis and PostgreSQL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { applyMigrations } from '../../packages/db/src/migrate.ts';
import { createApiKey, createDb, type Db } from '../../packages/db/src/index.ts';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from './services.ts';
import { waitFor } from './wait-for.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export interface StartedProcess {
  name: string;
  child: ChildProcess;
  output: string[];
}

function startProcess(name: string, args: string[], env: NodeJS.ProcessEnv): StartedProcess {
  // SWEEPS_NODE_ARGS adds Node flags to the started processes, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile.
  const nodeArgs = (process.env.SWEEPS_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(...chunk.toString().split('\n').filter(Boolean));
    if (output.length > 400) output.splice(0, output.length - 400);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return { name, child, output };
}

export class Stack {
  readonly prefix = `e2e${randomBytes(4).toString('hex')}`;
  readonly databaseUrl: string;
  readonly redisUrl = TEST_REDIS_URL;
  db!: Db;
  api?: StartedProcess;
  baseUrl = '';
  writeKey = '';
  readKey = '';
  readonly workers: StartedProcess[] = [];

  constructor() {
    this.databaseUrl = TEST_DATABASE_URL.replace(/\/[^/]+$/, `/sweeps_${this.prefix}`);
  }

  env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return {
      DATABASE_URL: this.databaseUrl,
      REDIS_URL: this.redisUrl,
      SWEEPS_QUEUE_PREFIX: this.prefix,
      SWEEPS_DATA_DIR: `${REPO_ROOT}.data/${this.prefix}`,
      LOG_LEVEL: 'warn',
      ...extra,
    };
  }

  async start(opts: { workers: number; apiEnv?: NodeJS.ProcessEnv }): Promise<this> {
    await applyMigrations(this.databaseUrl);
    this.db = createDb(this.databaseUrl, 4);
    this.writeKey = (await createApiKey(this.db, 'write', 'e2e')).key;
    this.readKey = (await createApiKey(this.db, 'read', 'e2e')).key;
    const port = await freePort();
    this.baseUrl = `http://127.0.0.1:${port}`;
    this.api = startProcess(
      'api',
      ['apps/api/src/main.ts'],
      this.env({
        PORT: String(port),
        SWEEPS_RECONCILE_MS: '1000',
        SWEEPS_WORKER_LOST_MS: '5000',
        ...opts.apiEnv,
      }),
    );
    await waitFor(
      'the API to answer /healthz',
      async () => (await fetch(`${this.baseUrl}/healthz`)).ok,
      60_000,
    );
    for (let i = 0; i < opts.workers; i++) await this.startWorker(`w${i}-${this.prefix}`);
    return this;
  }

  async startWorker(
    id: string,
    slots = 1,
    grace = 30,
    opts: { env?: NodeJS.ProcessEnv; args?: string[]; waitReady?: boolean } = {},
  ): Promise<StartedProcess> {
    const w = startProcess(
      id,
      [
        'apps/worker/src/main.ts',
        '--slots',
        String(slots),
        '--id',
        id,
        '--grace',
        String(grace),
        ...(opts.args ?? []),
      ],
      // The policy the suites need: their trainers are Node scripts of this repository. Their trials run as the
      // worker's user (the suites' fixtures write to the test's private temporary directories); the suite that
      // checks trials as an unprivileged user (trial-isolation) sets SWEEPS_WORKER_RUN_AS itself.
      this.env({
        SWEEPS_HEARTBEAT_MS: '1000',
        SWEEPS_WORKER_ALLOW_COMMANDS: 'node',
        SWEEPS_WORKER_RUN_AS: 'off',
        // every worker here shares one SWEEPS_DATA_DIR (shared storage): no waiting for a snapshot's worker
        SWEEPS_AFFINITY_WAIT_MS: '0',
        ...opts.env,
      }),
    );
    this.workers.push(w);
    if (opts.waitReady === false) return w; // a worker expected to refuse to start
    await waitFor(
      `worker ${id} to be ready`,
      async () => w.output.some((l) => l.includes('ready with')),
      60_000,
    );
    return w;
  }

  /** Calls the API; returns status and parsed JSON (or text). */
  async call(
    method: string,
    path: string,
    body?: unknown,
    opts: { key?: string | null; headers?: Record<string, string>; rawBody?: string } = {},
  ) {
    const key = opts.key === undefined ? this.writeKey : opts.key;
    const headers: Record<string, string> = {
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...opts.headers,
    };
    if (body !== undefined || opts.rawBody !== undefined)
      headers['content-type'] ??= 'application/json';
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      ...(opts.rawBody !== undefined
        ? { body: opts.rawBody }
        : body !== undefined
          ? { body: JSON.stringify(body) }
          : {}),
    });
    const text = await res.text();
    // biome-ignore lint/suspicious/noExplicitAny: suites read response fields directly and assert each one
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, json, text };
  }

  async waitForPhase(sweepId: string, phase: string, timeoutMs = 120_000) {
    return waitFor(
      `sweep ${sweepId} to be ${phase}`,
      async () => {
        const r = await this.call('GET', `/api/v1/sweeps/${sweepId}`);
        return r.json?.phase === phase ? r.json : undefined;
      },
      timeoutMs,
      500,
    );
  }

  logs(): string {
    return [this.api, ...this.workers]
      .filter(Boolean)
      .map((p) => `--- ${p!.name}\n${p!.output.slice(-40).join('\n')}`)
      .join('\n');
  }

  /** SIGKILLs every worker still running (after a test, so the next one starts clean). */
  killWorkers(): void {
    for (const p of this.workers) {
      if (p.child.exitCode === null && p.child.signalCode === null) {
        try {
          process.kill(-p.child.pid!, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    }
  }

  /** Stops every running worker with SIGTERM and waits for it to exit (a graceful stop, as in production). */
  async stopWorkers(): Promise<void> {
    const alive = this.workers.filter(
      (p) => p.child.exitCode === null && p.child.signalCode === null,
    );
    await Promise.all(
      alive.map(
        (p) =>
          new Promise<void>((resolve) => {
            p.child.once('exit', () => resolve());
            p.child.kill('SIGTERM');
          }),
      ),
    );
  }

  async stop(): Promise<void> {
    for (const p of [...this.workers, this.api]) {
      if (p && p.child.exitCode === null && p.child.signalCode === null) {
        try {
          process.kill(-p.child.pid!, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    }
    await this.db?.$disconnect();
    rmSync(`${REPO_ROOT}.data/${this.prefix}`, { recursive: true, force: true });
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    await admin
      .query(`DROP DATABASE IF EXISTS "sweeps_${this.prefix}" WITH (FORCE)`)
      .catch(() => {});
    await admin.end();
  }
}
