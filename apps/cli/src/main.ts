/** `sweeps`: the command line for the sweeps API. */
import { Command } from 'commander';
import { ApiError } from './api-client.ts';
import { addKeyCommands } from './commands/key-commands.ts';
import { addLogCommands } from './commands/log-commands.ts';
import { addResultCommands } from './commands/result-commands.ts';
import { addSlurmCommands } from './commands/slurm-commands.ts';
import { addSweepCommands } from './commands/sweep-commands.ts';
import { err as printError } from './commands/context.ts';
import { readCliEnv } from './env.ts';

const program = new Command('sweeps')
  .description(
    'Hyperparameter sweeps for fine-tuning detectors: submit a grid, watch it, read the mAP grid and best settings.',
  )
  .option('--api-url <url>', 'API address (default: $SWEEPS_API_URL or http://127.0.0.1:8080)')
  .option('--api-key <key>', 'API key (default: $SWEEPS_API_KEY)')
  .showHelpAfterError();

// A reader that stops early (`sweeps preview FILE | head`) closes the pipe: that ends the command quietly.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(process.exitCode ?? 0);
  });

try {
  const env = readCliEnv();
  addSweepCommands(program, env);
  addResultCommands(program, env);
  addKeyCommands(program);
  addLogCommands(program, env);
  addSlurmCommands(program);
  await program.parseAsync();
} catch (err) {
  if (err instanceof ApiError) {
    printError(`Error: ${err.message}`);
    for (const i of err.issues)
      printError(
        `  ${i.path}: ${i.message}${i.value === undefined ? '' : ` (got ${JSON.stringify(i.value)})`}`,
      );
  } else {
    printError(`Error: ${(err as Error).message}`);
  }
  process.exitCode = err instanceof ApiError && err.status >= 400 && err.status < 500 ? 2 : 1;
}
