/**
 * `npm run worker -- --slots N`: a worker daemon on this machine. SIGTERM, SIGINT and SIGUSR1 (Slurm's warning
 * before preemption or the time limit) stop it gracefully; `--idle-exit S` makes it leave after S s without a trial.
 */
import { Command, InvalidArgumentError } from 'commander';
import { installCrashPolicy } from './crash-policy.ts';
import { startWorker } from './daemon.ts';
import { readWorkerEnv, scrubSecrets, type WorkerEnv } from './env.ts';
import { watchIdle } from './idle-exit.ts';
import { createLineLogger } from './line-logger.ts';
import { type NamedTrialUser, resolveTrialUser } from './trial-user.ts';
import { WorkerIdInUse } from './worker-presence.ts';

const positiveInt = (what: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError(`${what} must be a whole number of at least 1, got "${value}"`);
  return n;
};

const program = new Command('sweeps-worker')
  .description('Runs sweep trials from the queue: one per GPU (or per --slots / CPU core).')
  .option(
    '--slots <n>',
    'trials at a time when no GPU is found (default: number of CPU cores)',
    positiveInt('--slots'),
  )
  .option('--id <id>', 'worker id (default: host-pid-random)')
  .option(
    '--allow-commands <list>',
    'executables `command` and `mmdet` trials may start: comma-separated names or absolute path globs, each optionally with the leading arguments it must start with, e.g. "python3 tools/train.py" (SWEEPS_WORKER_ALLOW_COMMANDS; default: none)',
  )
  .option(
    '--allow-env <list>',
    'environment variables a sweep may set, comma-separated names or globs (SWEEPS_WORKER_ALLOW_ENV; default: none)',
  )
  .option(
    '--cwd-roots <list>',
    'directories a trial may run in (SWEEPS_WORKER_CWD_ROOTS; default: SWEEPS_WORK_DIR)',
  )
  .option(
    '--pass-env <list>',
    "more of this worker's own variables to pass to trial processes (SWEEPS_WORKER_PASS_ENV)",
  )
  .option(
    '--run-trials-as <user>',
    'when the worker runs as root, the unprivileged user trial processes run as, or "off" (SWEEPS_WORKER_RUN_AS; default: nobody)',
  )
  .option(
    '--grace <seconds>',
    'on SIGTERM, how long running trials may finish before going back to the queue',
    positiveInt('--grace'),
    30,
  )
  .option(
    '--idle-exit <seconds>',
    'leave after this long without a running trial (a batch job that should not hold its GPUs for nothing; default: never)',
    positiveInt('--idle-exit'),
  )
  .parse();
const opts = program.opts<{
  slots?: number;
  id?: string;
  grace: number;
  idleExit?: number;
  allowCommands?: string;
  allowEnv?: string;
  cwdRoots?: string;
  passEnv?: string;
  runTrialsAs?: string;
}>();

const log = createLineLogger();
let env: WorkerEnv;
let trialUser: NamedTrialUser | null;
try {
  env = readWorkerEnv({
    ...process.env,
    ...(opts.allowCommands !== undefined
      ? { SWEEPS_WORKER_ALLOW_COMMANDS: opts.allowCommands }
      : {}),
    ...(opts.allowEnv !== undefined ? { SWEEPS_WORKER_ALLOW_ENV: opts.allowEnv } : {}),
    ...(opts.cwdRoots !== undefined ? { SWEEPS_WORKER_CWD_ROOTS: opts.cwdRoots } : {}),
    ...(opts.passEnv !== undefined ? { SWEEPS_WORKER_PASS_ENV: opts.passEnv } : {}),
    ...(opts.runTrialsAs !== undefined ? { SWEEPS_WORKER_RUN_AS: opts.runTrialsAs } : {}),
  });
  scrubSecrets(); // read once: nothing started or loaded later finds them in process.env
  trialUser = resolveTrialUser(env.SWEEPS_WORKER_RUN_AS);
} catch (err) {
  console.error(`Invalid worker settings: ${(err as Error).message}`);
  process.exit(2);
}
const worker = await startWorker({
  env,
  log,
  trialUser,
  ...(opts.slots ? { slots: opts.slots } : {}),
  ...(opts.id ? { id: opts.id } : {}),
  onIdTaken: (err) => {
    log(`${err.message.split('. ')[0]}: this worker was lost meanwhile and leaves`);
    process.exitCode = 1;
    leave('worker id taken over', 0);
  },
}).catch((err: Error) => {
  console.error(
    err instanceof WorkerIdInUse
      ? `The worker could not start: ${err.message}`
      : `The worker could not start: ${err.message}\nIs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL) running, and was \`npm run db:migrate\` run?`,
  );
  process.exit(1);
});

installCrashPolicy({
  log: (line) => {
    log(line);
    log.flush();
  },
  handBack: () => worker.stop(0),
});

let stopping = false;
/** Takes no new trials, lets running ones go on for `graceS` seconds, hands the rest back, and exits. */
function leave(why: string, graceS: number): void {
  if (stopping) return;
  stopping = true;
  idle?.stop();
  log(`${why}: taking no new trials; running ones have ${graceS} s to finish`);
  worker.stop(graceS * 1000).then(
    () => {
      log('worker stopped');
      log.flush();
      process.exit(process.exitCode ?? 0);
    },
    (err: Error) => {
      log(`stop failed: ${err.message}`);
      log.flush();
      process.exit(1);
    },
  );
}
for (const signal of ['SIGTERM', 'SIGINT', 'SIGUSR1'] as const)
  process.on(signal, () => leave(signal, opts.grace));
const idle = opts.idleExit
  ? watchIdle({
      isIdle: () => worker.runningTrials() === 0,
      idleMs: opts.idleExit * 1000,
      onIdle: () => leave(`idle for ${opts.idleExit} s`, opts.grace),
    })
  : undefined;
