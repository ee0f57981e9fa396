/**
 * One trial process: `node --import tsx train-child.ts [--config job.json] [--backend wasm] [--snapshot-dir d]
 * [--resume-from f]`. Reads the job (see `TfjsChildJob`; a bare trial is accepted too) from `--config` or stdin, and
 * prints one JSON line per epoch, then a `final` or `error` line (see `trainer/protocol.ts`). Everything else
 * (tfjs warnings, logs) goes to stderr, so stdout carries only the protocol. SIGTERM/SIGINT stop training
 * between iterations. `npm run train -w @sweeps/trainer-tfjs -- --config x.json` runs this file.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';

import { PermanentTrialError } from '@sweeps/core';

import { parseBackendName } from '../backend/select-backend.ts';
import { EXIT, epochLine, errorLine, finalLine } from '../trainer/protocol.ts';
import { parseTfjsChildJob, runTfjsChild, type TfjsChildJob } from '../trainer/tfjs-child.ts';

const toStderr = (...args: unknown[]) => process.stderr.write(`${args.map(String).join(' ')}\n`);
console.log = toStderr;
console.info = toStderr;
console.warn = toStderr;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function backendArg(value: string): TfjsChildJob['backend'] {
  try {
    return parseBackendName(value);
  } catch (err) {
    throw new PermanentTrialError(`--backend: ${(err as Error).message}`, 'invalid');
  }
}

async function readJob(): Promise<TfjsChildJob> {
  const { values } = parseArgs({
    options: {
      config: { type: 'string' },
      backend: { type: 'string' },
      'snapshot-dir': { type: 'string' },
      'checkpoint-dir': { type: 'string' }, // deprecated name of --snapshot-dir
      'resume-from': { type: 'string' },
    },
  });
  const text = values.config ? await readFile(values.config, 'utf8') : await readStdin();
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new PermanentTrialError(`the job is not JSON: ${(err as Error).message}`, 'invalid');
  }
  const job = parseTfjsChildJob('trial' in raw ? raw : { trial: raw });
  if (values.backend) job.backend = backendArg(values.backend);
  const snapshotDir = values['snapshot-dir'] ?? values['checkpoint-dir'];
  if (snapshotDir) job.snapshotDir = snapshotDir;
  if (values['resume-from']) job.resumeFrom = values['resume-from'];
  return job;
}

async function main(): Promise<number> {
  const controller = new AbortController();
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.once(sig, () => controller.abort(new Error(`stopped by ${sig}`)));
  }
  // The trial process is detached: if the worker dies (SIGKILL), stop rather than train on as an orphan that
  // would race the next attempt for the snapshot directory.
  const parent = process.ppid;
  setInterval(
    () => process.ppid !== parent && controller.abort(new Error('the parent process exited')),
    1000,
  ).unref();
  const write = (line: string) => process.stdout.write(`${line}\n`);
  try {
    const job = await readJob();
    const outcome = await runTfjsChild(job, {
      onEpoch: (epoch, metrics) => void write(epochLine(epoch, metrics)),
      log: (line) => void process.stderr.write(`${line}\n`),
      signal: controller.signal,
    });
    write(finalLine(outcome.metrics, outcome.backend, outcome.device));
    return EXIT.ok;
  } catch (err) {
    const reason = err instanceof PermanentTrialError ? err.reason : 'transient';
    write(errorLine(reason, err instanceof Error ? err.message : String(err)));
    if (!(err instanceof PermanentTrialError) && err instanceof Error && err.stack)
      process.stderr.write(`${err.stack}\n`);
    return controller.signal.aborted ? 143 : reason === 'transient' ? EXIT.transient : EXIT[reason];
  }
}

// Exit explicitly: a backend (wasm workers, Dawn) may keep handles open after training.
process.exit(await main());
