/**
 * Process plumbing shared by the two scripts: exit codes, signals, stdout discipline.
 * Exit codes: 0 success, 1 unexpected error, 2 usage error (bad flag, unknown optimizer, missing checkpoint),
 * 3 diverged, 128+signal when terminated.
 */
import { UsageError } from './checkpoint.mjs';
import { DivergedError } from './run.mjs';

/**
 * Runs `main` with signal handlers installed and maps its failure to an exit code and one stderr line.
 * @param {string} name script name for messages
 * @param {() => Promise<void>} main
 */
export async function runCli(name, main) {
  for (const [signal, code] of /** @type {const} */ ([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ])) {
    process.on(signal, () => {
      process.stderr.write(`${name}: received ${signal}, stopping\n`);
      process.exit(code);
    });
  }
  try {
    await main();
  } catch (err) {
    const expected = err instanceof UsageError || err instanceof DivergedError;
    const message = err instanceof Error ? (expected ? err.message : err.stack) : String(err);
    process.stderr.write(`${message}\n`);
    process.exitCode = err instanceof UsageError ? 2 : err instanceof DivergedError ? 3 : 1;
  }
}

/**
 * Writes one line to stdout (machine-readable output only).
 * @param {string} line
 */
export function printLine(line) {
  process.stdout.write(`${line}\n`);
}

/**
 * Writes one human-readable line to stderr.
 * @param {string} name
 * @param {string} line
 */
export function logLine(name, line) {
  process.stderr.write(`${name}: ${line}\n`);
}
