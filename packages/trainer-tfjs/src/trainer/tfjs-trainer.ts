/**
 * The `tfjs` trainer: one child Node process per trial (`bin/train-child.ts` under tsx), detached in its own
 * process group with the slot's environment (CUDA_VISIBLE_DEVICES), the trial JSON on stdin, per-epoch JSON
 * lines on stdout forwarded to `ctx.reportEpoch`. Abort kills the whole group (SIGTERM, then SIGKILL).
 */
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

import {
  OutputTail,
  PermanentTrialError,
  type Trainer,
  type TrainerContext,
  type TrainerResult,
  type TrialRun,
} from '@sweeps/core';
import { KILL_GRACE_MS, runDetached } from '@sweeps/trainer-command';

import { findLatestState } from '../train/train-state.ts';
import { resolvePlan } from './options.ts';
import { EXIT, parseChildLine, type ChildMessage } from './protocol.ts';
import type { TfjsChildJob } from './tfjs-child.ts';

/** The child entry point and the tsx loader it runs under (absolute: the worker's cwd may be anywhere). */
export const CHILD_ENTRY = fileURLToPath(new URL('../bin/train-child.ts', import.meta.url));
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** Options of {@link createTfjsTrainer}. */
export interface TfjsTrainerOptions {
  /** Milliseconds between SIGTERM and SIGKILL on abort. Default: the runner's `KILL_GRACE_MS` (5000). */
  killGraceMs?: number;
  /**
   * Directories a trial's `data_dir` and file checkpoint must lie in (the worker's; see read-roots.ts). Default:
   * anywhere (tests, direct use).
   */
  readRoots?: readonly string[];
}

/** Creates the `tfjs` trainer (what the worker's registry loads). */
export function createTfjsTrainer(options: TfjsTrainerOptions = {}): Trainer {
  return {
    kind: 'tfjs',
    run: (trial, ctx) => runInChild(trial, ctx, options),
    // The newest complete snapshot (its JSON is written last): its three files travel to another host as they are.
    snapshotFiles: async (_trial, trialDir) => {
      const meta = await findLatestState(trialDir);
      if (!meta) return null;
      const json = `epoch-${String(meta.epoch).padStart(4, '0')}.json`;
      return { epoch: meta.epoch, files: [meta.weightsFile, meta.optimizerFile, json] };
    },
  };
}

interface Watch {
  tail: OutputTail;
  pending: Promise<void>[];
  final?: Extract<ChildMessage, { type: 'final' }>;
  error?: Extract<ChildMessage, { type: 'error' }>;
}

async function runInChild(
  trial: TrialRun,
  ctx: TrainerContext,
  options: TfjsTrainerOptions,
): Promise<TrainerResult> {
  // Fail fast, before a process starts, on bad options, a path outside the worker's directories, a missing file.
  resolvePlan(trial, process.cwd(), options.readRoots);
  ctx.signal.throwIfAborted();
  const job: TfjsChildJob = {
    trial,
    snapshotDir: ctx.trialDir, // the loop writes its snapshots into the trial directory
    ...(ctx.resumeFrom ? { resumeFrom: ctx.resumeFrom } : {}),
  };
  const watch: Watch = { tail: new OutputTail(), pending: [] };
  const exit = await runDetached({
    argv: [process.execPath, '--import', TSX_LOADER, CHILD_ENTRY],
    cwd: process.cwd(),
    env: { ...ctx.env, SWEEPS_TRIAL_ID: trial.trialId },
    ...(ctx.runAs ? { runAs: ctx.runAs } : {}), // the child drops privileges too
    stdin: JSON.stringify(job),
    signal: ctx.signal,
    killGraceMs: options.killGraceMs ?? KILL_GRACE_MS,
    onStdout: (line) => onLine(line, watch, ctx),
    onStderr: (line) => {
      watch.tail.push(line);
      ctx.log(line);
    },
  });
  if (exit.startError)
    throw new PermanentTrialError(
      `could not start the trial process: ${exit.startError.message}`,
      'failed',
    );
  await Promise.all(watch.pending);
  return outcome(exit, watch, ctx);
}

function onLine(line: string, watch: Watch, ctx: TrainerContext): void {
  const message = parseChildLine(line);
  if (message === null) {
    watch.tail.push(line);
    ctx.log(line);
    return;
  }
  if (message.type === 'epoch')
    watch.pending.push(ctx.reportEpoch(message.epoch, message.metrics).catch(() => {}));
  else if (message.type === 'final') watch.final = message;
  else watch.error = message;
}

function outcome(
  exit: { code: number | null; signal: NodeJS.Signals | null },
  watch: Watch,
  ctx: TrainerContext,
): TrainerResult {
  if (ctx.signal.aborted) throw ctx.signal.reason ?? new Error('trial aborted');
  if (exit.code === EXIT.ok && watch.final) {
    return {
      metrics: watch.final.metrics,
      backend: watch.final.backend,
      device: watch.final.device,
    };
  }
  const error = watch.error;
  if (error && error.reason !== 'transient')
    throw new PermanentTrialError(error.message, error.reason);
  const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
  const detail = error ? `${error.message}\n` : '';
  // A crash or a foreign kill may not repeat (out of memory, a lost device): transient, retried by the worker.
  throw new Error(`the trial process ${how}: ${detail}${watch.tail.text()}`);
}
