/** `npm run worker -- --slots N`: a worker daemon on this machine. SIGTERM stops it gracefully. */
import { Command, InvalidArgumentError } from 'commander';
import { startWorker } from './daemon.ts';
import { readWorkerEnv } from './env.ts';
import { createLineLogger } from './line-logger.ts';

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
    '--grace <seconds>',
    'on SIGTERM, how long running trials may finish before going back to the queue',
    positiveInt('--grace'),
    30,
  )
  .parse();
const opts = program.opts<{ slots?: number; id?: string; grace: number }>();

const log = createLineLogger();
let env: ReturnType<typeof readWorkerEnv>;
try {
  env = readWorkerEnv();
} catch (err) {
  console.error(`Invalid worker settings: ${(err as Error).message}`);
  process.exit(2);
}
const worker = await startWorker({
  env,
  log,
  ...(opts.slots ? { slots: opts.slots } : {}),
  ...(opts.id ? { id: opts.id } : {}),
}).catch((err: Error) => {
  console.error(
    `The worker could not start: ${err.message}\nIs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL) running, and was \`npm run db:migrate\` run?`,
  );
  process.exit(1);
});

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: taking no new trials; running ones have ${opts.grace} s to finish`);
    worker.stop(opts.grace * 1000).then(
      () => {
        log('worker stopped');
        log.flush();
        process.exit(0);
      },
      (err: Error) => {
        log(`stop failed: ${err.message}`);
        log.flush();
        process.exit(1);
      },
    );
  });
}
