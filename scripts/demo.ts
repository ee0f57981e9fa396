/**
 * `npm run demo`: everything on one machine, end to end. Checks the services, applies the migrations, creates an
 * API key, starts the API and a worker, submits the demo sweep (examples/mnist-sweep.yaml: a real MNIST
 * classifier, 24 trials), follows it with a progress bar, prints the best-setting table and the grid, and keeps the
 * API and worker running so you can look around (Ctrl-C stops them). `--exit` stops when the sweep is done.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ApiClient, readSpecFile, watch, type SweepView } from '@sweeps/cli';
import { applyMigrations, createApiKey, createDb, readDbEnv } from '@sweeps/db';

const root = fileURLToPath(new URL('..', import.meta.url));
const exitWhenDone = process.argv.includes('--exit');
const port = Number(process.env.PORT ?? 8080);
const apiUrl = `http://127.0.0.1:${port}`;
const say = (line: string) => console.log(`\x1b[1m▸ ${line}\x1b[0m`);
const children: ChildProcess[] = [];

function step(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed`);
}

function startProcess(name: string, args: string[]): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: root,
    env: { ...process.env, PORT: String(port), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => {
    if (process.env.DEMO_VERBOSE) process.stdout.write(`[${name}] ${d}`);
  });
  child.stderr!.on('data', (d: Buffer) => process.stderr.write(`[${name}] ${d}`));
  children.push(child);
  return child;
}

async function waitForApi(): Promise<void> {
  for (let i = 0; i < 120; i++) {
    try {
      if ((await fetch(`${apiUrl}/healthz`)).ok) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(
    `the API did not answer on ${apiUrl}/healthz within a minute (is port ${port} free? set PORT=...)`,
  );
}

async function main(): Promise<void> {
  say('Checking PostgreSQL and Redis');
  step('bash', ['scripts/ensure-services.sh']);
  say('Applying database migrations');
  const { DATABASE_URL } = readDbEnv();
  const applied = await applyMigrations(DATABASE_URL);
  console.log(applied.length ? `applied ${applied.join(', ')}` : 'database is up to date');
  const db = createDb(DATABASE_URL, 1);
  const { key } = await createApiKey(db, 'write', 'demo');
  await db.$disconnect();
  if (!existsSync(`${root}.data/mnist-pretrained.json`)) {
    say('Pretraining the demo checkpoint (the "pretrained" backbone of the demo sweep)');
    step(process.execPath, [
      'examples/mnist-classifier/pretrain.mjs',
      '--save',
      '.data/mnist-pretrained.json',
    ]);
  }
  say('Building the dashboard (apps/dashboard → dist, served by the API at /)');
  step('npm', ['run', 'build', '--silent']);
  say(`Starting the API on ${apiUrl} and a worker with 2 slots`);
  startProcess('api', ['apps/api/src/main.ts']);
  await waitForApi();
  // The demo sweep's trainer is `node examples/...`: the worker's policy allows node and nothing else.
  startProcess('worker', ['apps/worker/src/main.ts', '--slots', '2', '--allow-commands', 'node']);
  const client = new ApiClient({ baseUrl: apiUrl, apiKey: key });
  say('Submitting examples/mnist-sweep.yaml');
  const sweep = await client.request<{ id: string; totalTrials: number }>(
    'POST',
    '/api/v1/sweeps',
    await readSpecFile(`${root}examples/mnist-sweep.yaml`),
  );
  console.log(`sweep ${sweep.id}: ${sweep.totalTrials} trials`);
  console.log(
    `watch it live: ${apiUrl}/sweeps/${sweep.id} (sign in with the write key printed at the end)`,
  );
  const get = () => client.request<SweepView>('GET', `/api/v1/sweeps/${sweep.id}`);
  await watch(await get(), get);
  say('Best setting per checkpoint');
  console.log(await client.raw('GET', `/api/v1/sweeps/${sweep.id}/export?format=md&table=best`));
  say('Grid (validation accuracy, rows: lr, columns: weight decay)');
  console.log(await client.raw('GET', `/api/v1/sweeps/${sweep.id}/export?format=md&table=grid`));
  say('Where to look');
  console.log(
    [
      `  Dashboard:            ${apiUrl}/sweeps/${sweep.id}   (sign in with the key below)`,
      `  API + OpenAPI docs:   ${apiUrl}/docs`,
      `  Your write key:       export SWEEPS_API_KEY=${key}`,
      `  CLI:                  npx sweeps best ${sweep.id}   |   npx sweeps grid ${sweep.id}   |   npx sweeps trials ${sweep.id} --state failed`,
      `  curl:                 curl -H "Authorization: Bearer $SWEEPS_API_KEY" ${apiUrl}/api/v1/sweeps/${sweep.id}/best`,
      `  Prometheus metrics:   ${apiUrl}/metrics`,
    ].join('\n'),
  );
  if (exitWhenDone) return;
  say('The API and the worker keep running; press Ctrl-C to stop them.');
  await new Promise(() => {});
}

const stop = () => {
  for (const c of children) c.kill('SIGTERM');
};
process.on('SIGINT', () => {
  stop();
  process.exit(0);
});
main().then(
  () => {
    stop();
  },
  (err: Error) => {
    console.error(`Demo failed: ${err.message}`);
    stop();
    process.exitCode = 1;
  },
);
