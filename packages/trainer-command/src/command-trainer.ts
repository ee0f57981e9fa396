/**
 * The `command` trainer: runs any training command (a script of yours, MMDetection's tools/train.py, ...) as a
 * child process in its own process group, never through a shell, and reads per-epoch metrics from its stdout.
 */
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import path from 'node:path';
import {
  OutputTail,
  PermanentTrialError,
  type EpochMetrics,
  type Trainer,
  type TrainerContext,
  type TrainerResult,
  type TrialRun,
} from '@sweeps/core';
import { buildArgv, buildEnv, placeholderValues } from './argv.ts';
import { parseMetricLine } from './metrics/jsonl-source.ts';
import { stopGroupOnAbort } from './process-group.ts';

interface CommandSpec {
  command: string[];
  cwd?: string;
  env?: Record<string, string>;
}

/** Seconds between SIGTERM and SIGKILL when a trial is stopped. */
const KILL_GRACE_MS = 5_000;

/** The exit code by which a command marks its trial as diverged (loss NaN, blown up): recorded, not retried. */
export const DIVERGED_EXIT_CODE = 3;

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `was killed by ${signal}` : `exited with code ${code}`;
}

export class CommandTrainer implements Trainer {
  readonly kind = 'command';

  constructor(private readonly baseDir: string = process.cwd()) {}

  async run(trial: TrialRun, ctx: TrainerContext): Promise<TrainerResult> {
    const spec = trial.trainer as unknown as CommandSpec;
    const values = placeholderValues(trial, ctx.snapshotDir, ctx.resumeFrom);
    let argv: string[];
    let extraEnv: Record<string, string>;
    try {
      argv = buildArgv(spec.command, values);
      extraEnv = buildEnv(spec.env, values);
    } catch (err) {
      throw new PermanentTrialError((err as Error).message, 'invalid');
    }
    const cwd = path.resolve(this.baseDir, spec.cwd ?? '.');
    await mkdir(ctx.snapshotDir, { recursive: true }); // the command may write there ({snapshot_dir})
    const env = {
      ...process.env,
      ...ctx.env,
      ...extraEnv,
      SWEEPS_TRIAL_ID: trial.trialId,
      SWEEPS_SNAPSHOT_DIR: ctx.snapshotDir,
      SWEEPS_CHECKPOINT_DIR: ctx.snapshotDir, // deprecated name of SWEEPS_SNAPSHOT_DIR, still set
    };
    return this.spawnAndWatch(argv, cwd, env, trial.metricName, ctx);
  }

  private spawnAndWatch(
    argv: string[],
    cwd: string,
    env: NodeJS.ProcessEnv,
    metricName: string,
    ctx: TrainerContext,
  ): Promise<TrainerResult> {
    ctx.signal.throwIfAborted();
    const tail = new OutputTail();
    const latest: EpochMetrics = {};
    const pending: Promise<void>[] = [];
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stopWatching = stopGroupOnAbort(child, ctx.signal, KILL_GRACE_MS);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const parsed = parseMetricLine(line);
      if (!parsed) return void (tail.push(line), ctx.log(line));
      Object.assign(latest, parsed.metrics);
      pending.push(ctx.reportEpoch(parsed.epoch, parsed.metrics));
    });
    createInterface({ input: child.stderr! }).on('line', (line) => {
      tail.push(line);
      ctx.log(line);
    });

    return new Promise<TrainerResult>((resolve, reject) => {
      child.on('error', (err: NodeJS.ErrnoException) => {
        const msg =
          err.code === 'ENOENT'
            ? `command not found: ${argv[0]} (cwd ${cwd})`
            : `could not start ${argv[0]}: ${err.message}`;
        reject(new PermanentTrialError(msg, 'invalid'));
      });
      child.on('close', (code, signal) => {
        stopWatching();
        Promise.all(pending).then(() => {
          if (ctx.signal.aborted) return reject(ctx.signal.reason);
          if (code !== 0) return reject(this.failure(argv, code, signal, tail));
          if (!(metricName in latest)) {
            return reject(
              new PermanentTrialError(
                `the command finished but never printed "${metricName}" in a JSON line such as {"epoch": 1, "${metricName}": 0.31}\n${tail.text()}`,
                'failed',
              ),
            );
          }
          resolve({
            metrics: latest,
            backend: 'external',
            device: env.CUDA_VISIBLE_DEVICES ? `cuda:${env.CUDA_VISIBLE_DEVICES}` : 'cpu',
          });
        }, reject);
      });
    });
  }

  /**
   * A non-zero exit repeats on retry (bad arguments, a bug, divergence): permanent, and exit code 3 marks the
   * trial diverged. A foreign signal may not repeat: retried.
   */
  private failure(
    argv: string[],
    code: number | null,
    signal: NodeJS.Signals | null,
    tail: OutputTail,
  ): Error {
    const message = `${path.basename(argv[0]!)} ${describeExit(code, signal)}\n${tail.text()}`;
    if (signal) return new Error(message);
    if (code === DIVERGED_EXIT_CODE)
      return new PermanentTrialError(
        `${path.basename(argv[0]!)} reported divergence (exit code ${DIVERGED_EXIT_CODE})\n${tail.text()}`,
        'diverged',
      );
    return new PermanentTrialError(message, 'failed');
  }
}
