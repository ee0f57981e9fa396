/**
 * A worker run by a real Slurm (Debian's slurmctld, slurmd and munge, one node on this machine, set up by
 * deploy/slurm/one-node-cluster.sh and stopped after): deploy/slurm/sweeps-worker.sbatch runs as a batch job with
 * its secrets from files and its policy from a file; `scancel --signal=USR1 --batch` mid-trial makes it hand the
 * trial back (no attempt spent) and leave before the job ends; a second job resumes the trial from its snapshot,
 * the trial finishes once, and that job's worker, idle, leaves by itself (`--idle-exit`). The first job is
 * submitted with sbatch itself, the second with `sweeps slurm submit`. Without Slurm's packages (or root, which the daemons need) the suite fails in CI
 * and says why elsewhere.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, Stack } from './support/stack.ts';
import { waitFor } from './support/wait-for.ts';

const CLUSTER = `${REPO_ROOT}deploy/slurm/one-node-cluster.sh`;
const SBATCH = `${REPO_ROOT}deploy/slurm/sweeps-worker.sbatch`;
const FIXTURE = 'test/fixtures/snapshot-trainer.mjs';

const hasSlurm = ['slurmctld', 'slurmd', 'sbatch', 'munged'].every((bin) => {
  try {
    execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
});
const canRun = hasSlurm && process.getuid?.() === 0;
if (!canRun)
  console.warn(
    'slurm-worker.test.ts: needs root and Debian packages slurmctld slurmd slurm-client munge (.ci/run installs them)',
  );

const work = mkdtempSync(path.join(tmpdir(), 'slurm-worker-'));
const clusterDir = path.join(work, 'cluster');
const secrets = path.join(work, 'secrets');
const journal = path.join(work, 'journal');
const stack = new Stack();
let slurmEnv: NodeJS.ProcessEnv = {};

const slurm = (cmd: string, args: string[]) =>
  execFileSync(cmd, args, { env: slurmEnv, encoding: 'utf8' }).trim();
const queued = (job: string) => slurm('squeue', ['-h', '-j', job, '-o', '%T']).length > 0;

beforeAll(async () => {
  if (!canRun) return;
  await stack.start({ workers: 0 });
  execFileSync('mkdir', ['-p', secrets, journal]);
  chmodSync(secrets, 0o700);
  chmodSync(work, 0o711); // the trial runs as nobody: it passes through to its journal
  chmodSync(journal, 0o777);
  writeFileSync(path.join(secrets, 'database-url'), `${stack.databaseUrl}\n`, { mode: 0o600 });
  writeFileSync(path.join(secrets, 'redis-url'), stack.redisUrl, { mode: 0o600 });
  writeFileSync(
    path.join(secrets, 'worker-policy.env'),
    `# what this test's trials may run\nSWEEPS_WORKER_ALLOW_COMMANDS=node ${FIXTURE}\n`,
    { mode: 0o600 },
  );
  const started = execFileSync('bash', [CLUSTER, 'start', clusterDir], { encoding: 'utf8' });
  const conf = /SLURM_CONF=(\S+)/.exec(started)?.[1];
  if (!conf) throw new Error(`the cluster did not start: ${started}`);
  const { DATABASE_URL: _db, REDIS_URL: _redis, ...rest } = process.env;
  slurmEnv = {
    ...rest,
    SLURM_CONF: conf,
    SWEEPS_DIR: REPO_ROOT,
    SWEEPS_SECRETS_DIR: secrets,
    ...Object.fromEntries(
      Object.entries(stack.env({ SWEEPS_HEARTBEAT_MS: '1000' })).filter(
        ([k]) => k.startsWith('SWEEPS_') || k === 'LOG_LEVEL',
      ),
    ),
  };
}, 180_000);

afterAll(async () => {
  if (!canRun) return;
  execFileSync('bash', [CLUSTER, 'stop', clusterDir], { stdio: 'ignore' });
  await stack.stop();
  rmSync(work, { recursive: true, force: true });
}, 60_000);

describe('the Slurm batch worker', () => {
  it.runIf(canRun || process.env.CI === 'true')(
    'hands its trial back on USR1 and leaves; a second job resumes it from its snapshot and it finishes once',
    async () => {
      expect(canRun, 'Slurm cannot run here: see the warning above').toBe(true);
      const created = await stack.call('POST', '/api/v1/sweeps', {
        name: 'slurm',
        metric: { name: 'score' },
        trainer: {
          kind: 'command',
          command: ['node', FIXTURE, '{snapshot_dir}', '8', '1500', path.join(journal, 'journal')],
        },
        checkpoints: [{ name: 'a', uri: 'none' }],
        space: { optimizer: { AdamW: { lr: [1e-3], weight_decay: [0] } } },
        fixed: { epochs: 8 },
      });
      expect(created.status, created.text).toBe(201);
      const sweepId = created.json.id as string;
      const trialOf = async () => {
        const list = await stack.call('GET', `/api/v1/sweeps/${sweepId}/trials`);
        const id = list.json.trials[0].id as string;
        return (await stack.call('GET', `/api/v1/sweeps/${sweepId}/trials/${id}`)).json;
      };
      const out = (n: number) => path.join(work, `job${n}.out`);
      const first = execFileSync(
        'sbatch',
        ['--parsable', '-o', out(1), '--signal=B:USR1@60', SBATCH],
        { env: slurmEnv, encoding: 'utf8' },
      ).trim();
      await waitFor(
        'the first job to run 2 epochs',
        async () => ((await trialOf()).epochs ?? []).length >= 2,
        120_000,
      ).catch((e) => {
        throw new Error(`${e.message}\n${readFileSync(out(1), 'utf8')}`);
      });
      slurm('scancel', ['--signal=USR1', '--batch', first]);
      await waitFor('the first job to leave', async () => !queued(first), 60_000);
      const firstLog = readFileSync(out(1), 'utf8');
      expect(firstLog).toContain('sweeps-worker: USR1: draining');
      expect(firstLog).toContain('SIGUSR1: taking no new trials');
      const handedBack = await trialOf();
      expect(handedBack.state).toBe('queued');
      expect(handedBack.attempts).toBe(0); // a hand-back spends no attempt

      // the second job through `sweeps slurm submit`, as a user would submit workers for a sweep
      const submitted = execFileSync(
        process.execPath,
        [
          '--import',
          'tsx',
          'apps/cli/src/main.ts',
          'slurm',
          'submit',
          '--nodes',
          '1',
          '--idle-exit',
          '5',
          '--signal-lead',
          '60',
          '--output',
          out(2),
        ],
        { cwd: REPO_ROOT, env: slurmEnv, encoding: 'utf8' },
      );
      const second = /^Submitted 1 worker job: (\d+)\./m.exec(submitted)?.[1] ?? '';
      expect(second, submitted).toMatch(/^\d+$/);
      await stack.waitForPhase(sweepId, 'finished', 120_000).catch((e) => {
        throw new Error(`${e.message}\n${readFileSync(out(2), 'utf8')}`);
      });
      const done = await trialOf();
      expect(done.state).toBe('succeeded');
      expect(done.attempts).toBe(1);
      expect(done.worker).toMatch(new RegExp(`^slurm-${second}-`));
      const starts = readFileSync(path.join(journal, 'journal'), 'utf8').trim().split('\n');
      expect(starts).toHaveLength(2);
      expect(starts[0]).toBe('start 0');
      const from = Number(starts[1]?.split(' ')[1]);
      expect(from).toBeGreaterThanOrEqual(2); // resumed from its snapshot, not from the start
      // the resumed lease took over the epochs before its snapshot: the trial's curve is whole, each epoch once
      expect(done.epochs.map((e: { epoch: number }) => e.epoch)).toEqual(
        Array.from({ length: 8 }, (_, i) => i + 1),
      );
      // Idle once the sweep is done, the second worker leaves by itself and frees its allocation.
      await waitFor('the second job to leave when idle', async () => !queued(second), 60_000);
      expect(readFileSync(out(2), 'utf8')).toContain('idle for 5 s: taking no new trials');
    },
    400_000,
  );
});
