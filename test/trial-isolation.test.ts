/**
 * Trials cannot reach their worker's secrets, through a real API and a real worker running as root (as tests run
 * here): the worker reads its secrets from files, and its trials run as `nobody`, so a trial that reads
 * `/proc/<worker pid>/environ` (how a trial once took the worker's DATABASE_URL into its log) or the secret file is
 * refused. An allowed interpreter runs only the templates its owner allowed (with `node` allowed, a trial once
 * started `sh`); a tfjs trial reads only from the worker's directories (a `file://` checkpoint once leaked 8 bytes
 * of `/proc/self/environ` through a "header size" error).
 */
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, Stack, type StartedProcess } from './support/stack.ts';

const root = process.getuid?.() === 0;
const stack = new Stack();
const secrets = mkdtempSync(path.join(tmpdir(), 'trial-isolation-'));
const dbFile = path.join(secrets, 'database-url');
const FIXTURE = 'test/fixtures/read-secrets.mjs';
let worker: StartedProcess;

beforeAll(async () => {
  await stack.start({ workers: 0 });
  writeFileSync(dbFile, `${stack.databaseUrl}\n`, { mode: 0o400 });
  writeFileSync(path.join(secrets, 'redis-url'), stack.redisUrl, { mode: 0o400 });
  worker = await stack.startWorker(`iso-${stack.prefix}`, 1, 30, {
    env: {
      DATABASE_URL: undefined,
      REDIS_URL: undefined,
      DATABASE_URL_FILE: dbFile,
      REDIS_URL_FILE: path.join(secrets, 'redis-url'),
      SWEEPS_WORKER_RUN_AS: '', // the default: nobody, since the worker runs as root
      SWEEPS_WORKER_ALLOW_COMMANDS: `node ${FIXTURE}`,
    },
  });
}, 120_000);
afterAll(() => stack.stop());

const commandSweep = (name: string, command: string[]) => ({
  name,
  metric: { name: 'score' },
  trainer: { kind: 'command', command },
  checkpoints: [{ name: 'a', uri: 'none' }],
  space: { optimizer: { AdamW: { lr: [1e-3], weight_decay: [0] } } },
  fixed: { epochs: 1 },
});

const tfjsSweep = (name: string, options: object, uri: string) => ({
  name,
  metric: { name: 'top1', goal: 'maximize' },
  trainer: { kind: 'tfjs', options },
  checkpoints: [{ name: 'env', uri }],
  space: { optimizer: { AdamW: { lr: [1e-4], weight_decay: [0.05] } } },
  fixed: { epochs: 1 },
});

/** Submits a sweep, waits until it is finished, and returns its one trial's view. */
async function runOne(spec: object) {
  const created = await stack.call('POST', '/api/v1/sweeps', spec);
  expect(created.status, created.text).toBe(201);
  await stack.waitForPhase(created.json.id, 'finished', 90_000).catch((e) => {
    throw new Error(`${e.message}\n${stack.logs()}`);
  });
  const trials = (await stack.call('GET', `/api/v1/sweeps/${created.json.id}/trials`)).json.trials;
  const trial = (
    await stack.call('GET', `/api/v1/sweeps/${created.json.id}/trials/${trials[0].id}`)
  ).json;
  return { created: created.json, trial };
}

describe.skipIf(!root)('trials and the worker they run on', () => {
  it("cannot read the worker's environment or its secret files, and the log shows neither", async () => {
    const workerPid = worker.child.pid!;
    // Secrets from files: not in the worker's environment at all (which /proc keeps as it was at start).
    expect(readFileSync(`/proc/${workerPid}/environ`, 'utf8')).not.toContain(stack.databaseUrl);
    expect(worker.output.join('\n')).toContain('trials run as nobody (uid 65534)');
    const { trial } = await runOne(commandSweep('reads-secrets', ['node', FIXTURE, dbFile]));
    expect(trial.state, JSON.stringify(trial)).toBe('succeeded');
    const log = (await stack.call('GET', `/api/v1/trials/${trial.id}/log?tail=50`)).text;
    expect(log).toContain(`worker ${workerPid}`); // it looked at the right process
    expect(log).toContain('ids 65534 65534 65534');
    expect(log).toContain(`refused /proc/${workerPid}/environ: EACCES`);
    expect(log).toContain(`refused ${dbFile}: EACCES`);
    expect(log).not.toContain(stack.databaseUrl);
    expect(log).not.toContain('postgresql://');
    // Its directory is the worker's (sticky, group-writable for the trial user), its files the trial user's.
    const dir = path.join(REPO_ROOT, '.data', stack.prefix, 'trials', trial.id);
    expect(statSync(dir).mode & 0o7777).toBe(0o1770);
    expect(statSync(path.join(dir, 'logs')).uid).toBe(0);
  }, 120_000);

  it('runs an allowed interpreter only as its template: with `node script` allowed, `node -e` starting sh is refused', async () => {
    const { created, trial } = await runOne(
      commandSweep('starts-sh', [
        'node',
        '-e',
        "require('node:child_process').execFileSync('sh', ['-c', 'id'], { stdio: 'inherit' })",
      ]),
    );
    // The API warns at submission from the policy the worker published ...
    expect(created.warnings.join('\n')).toContain(
      `node may only be started as "node ${FIXTURE} ..."`,
    );
    // ... and the worker refuses the trial before anything starts.
    expect(trial.state).toBe('failed');
    expect(trial.reason).toBe('invalid');
    expect(trial.error).toMatch(
      /^refused by this worker's policy: the command "node -e require\('node:child_process'\)\.execFileSync\('sh'.*" is not allowed on this worker: node may only be started as "node test\/fixtures\/read-secrets\.mjs \.\.\."/,
    );
    expect(trial.epochs).toEqual([]);
  }, 120_000);

  it("refuses a tfjs checkpoint or data_dir outside the worker's directories, reading nothing", async () => {
    const environ = readFileSync('/proc/self/environ').subarray(0, 8).toString();
    const checkpoint = await runOne(
      tfjsSweep('tfjs-environ', { task: 'classification' }, 'file:///proc/self/environ'),
    );
    expect(checkpoint.trial.state).toBe('failed');
    expect(checkpoint.trial.reason).toBe('invalid');
    expect(checkpoint.trial.error).toMatch(
      /^checkpoint "env": \/proc\/self\/environ \(a link to \/proc\/\d+\/environ\) is outside the directories this worker reads trial data from \(/,
    );
    expect(checkpoint.trial.error).toContain(REPO_ROOT.replace(/\/$/, ''));
    expect(checkpoint.trial.error).not.toMatch(/header/);
    expect(checkpoint.trial.error).not.toContain(environ);
    const data = await runOne(
      tfjsSweep('tfjs-etc', { task: 'detection', data_dir: '/etc' }, 'scratch'),
    );
    expect(data.trial.state).toBe('failed');
    expect(data.trial.error).toMatch(
      /^trainer\.options\.data_dir: \/etc is outside the directories this worker reads trial data from/,
    );
  }, 120_000);
});
