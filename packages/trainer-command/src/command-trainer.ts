/**
 * The `command` trainer: runs any training command (a script of yours, MMDetection's tools/train.py, ...) as a
 * child process in its own process group (see `runDetached`), never through a shell, and reads per-epoch metrics
 * from its stdout. The worker's policy (which executables, environment names and directories it allows) is
 * checked before anything starts.
 */
import { mkdir, stat } from 'node:fs/promises';
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
import { parseMetricLine } from './jsonl-metrics.ts';
import type { OutputLine } from './line-splitter.ts';
import { DIVERGED_EXIT_CODE, runDetached, type DetachedExit } from './process-runner.ts';

export { DIVERGED_EXIT_CODE } from './process-runner.ts';

interface CommandSpec {
  command: string[];
  cwd?: string;
  env?: Record<string, string>;
}

/** What a worker allows a `command` trial to do; checked before the command starts. */
export interface CommandGate {
  /** A reason to refuse the trial, or null to run it. `cwd` is absolute, `env` holds the sweep's variables. */
  check(run: { executable: string; cwd: string; env: Record<string, string> }): string | null;
}

/** Options of {@link CommandTrainer}. */
export interface CommandTrainerOptions {
  /** Milliseconds between SIGTERM and SIGKILL when a trial is stopped. */
  killGraceMs?: number;
  /** How long a trial's supervisor waits for the worker's heartbeat. */
  watchdogMs?: number;
  /** The worker's policy; without one, everything is allowed (tests, `npm run train`). */
  gate?: CommandGate;
}

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `was killed by ${signal}` : `exited with code ${code}`;
}

export class CommandTrainer implements Trainer {
  readonly kind = 'command';

  constructor(
    private readonly baseDir: string = process.cwd(),
    private readonly options: CommandTrainerOptions = {},
  ) {}

  async run(trial: TrialRun, ctx: TrainerContext): Promise<TrainerResult> {
    const spec = trial.trainer as unknown as CommandSpec;
    const values = placeholderValues(trial, ctx.checkpointDir, ctx.resumeFrom);
    let argv: string[];
    let extraEnv: Record<string, string>;
    try {
      argv = buildArgv(spec.command, values);
      extraEnv = buildEnv(spec.env, values);
    } catch (err) {
      throw new PermanentTrialError((err as Error).message, 'invalid');
    }
    const cwd = path.resolve(this.baseDir, spec.cwd ?? '.');
    const refused = this.options.gate?.check({ executable: argv[0]!, cwd, env: extraEnv });
    if (refused)
      throw new PermanentTrialError(`refused by this worker's policy: ${refused}`, 'invalid');
    const dir = await stat(cwd).catch(() => null);
    if (!dir?.isDirectory())
      throw new PermanentTrialError(`the working directory ${cwd} does not exist`, 'invalid');
    await mkdir(ctx.checkpointDir, { recursive: true }); // the command may write there ({checkpoint_dir})
    const env = {
      ...ctx.env,
      ...extraEnv,
      SWEEPS_TRIAL_ID: trial.trialId,
      SWEEPS_CHECKPOINT_DIR: ctx.checkpointDir,
    };
    return this.watch(argv, cwd, env, trial.metricName, ctx);
  }

  private async watch(
    argv: string[],
    cwd: string,
    env: Record<string, string>,
    metricName: string,
    ctx: TrainerContext,
  ): Promise<TrainerResult> {
    ctx.signal.throwIfAborted();
    const tail = new OutputTail();
    const latest: EpochMetrics = {};
    let reports = Promise.resolve();
    const output = (line: OutputLine) => {
      const text = line.dropped ? `${line.text}… (${line.dropped} more characters)` : line.text;
      tail.push(text);
      ctx.log(text);
    };
    const exit = await runDetached({
      argv,
      cwd,
      env,
      signal: ctx.signal,
      ...(this.options.killGraceMs ? { killGraceMs: this.options.killGraceMs } : {}),
      ...(this.options.watchdogMs ? { watchdogMs: this.options.watchdogMs } : {}),
      onStdout: (line) => {
        const parsed = line.dropped ? null : parseMetricLine(line.text);
        if (!parsed) return output(line);
        Object.assign(latest, parsed.metrics);
        // In order, one at a time; a report that fails is the worker's to handle (it aborts the trial).
        reports = reports.then(() => ctx.reportEpoch(parsed.epoch, parsed.metrics)).catch(() => {});
      },
      onStderr: output,
    });
    await reports;
    if (ctx.signal.aborted) throw ctx.signal.reason;
    if (exit.startError) throw this.startFailure(argv, cwd, exit.startError);
    if (exit.code !== 0) throw this.failure(argv, exit, tail);
    if (!(metricName in latest)) {
      throw new PermanentTrialError(
        `the command finished but never printed "${metricName}" in a JSON line such as {"epoch": 1, "${metricName}": 0.31}\n${tail.text()}`,
        'failed',
      );
    }
    return {
      metrics: latest,
      backend: 'external',
      device: env.CUDA_VISIBLE_DEVICES ? `cuda:${env.CUDA_VISIBLE_DEVICES}` : 'cpu',
    };
  }

  private startFailure(argv: string[], cwd: string, err: NonNullable<DetachedExit['startError']>) {
    const msg =
      err.code === 'ENOENT'
        ? `command not found: ${argv[0]} (cwd ${cwd})`
        : `could not start ${argv[0]}: ${err.message}`;
    return new PermanentTrialError(msg, 'invalid');
  }

  /**
   * A non-zero exit repeats on retry (bad arguments, a bug, divergence): permanent, and exit code 3 marks the
   * trial diverged. A foreign signal may not repeat: retried.
   */
  private failure(argv: string[], exit: DetachedExit, tail: OutputTail): Error {
    const name = path.basename(argv[0]!);
    const message = `${name} ${describeExit(exit.code, exit.signal)}\n${tail.text()}`;
    if (exit.signal) return new Error(message);
    if (exit.code === DIVERGED_EXIT_CODE)
      return new PermanentTrialError(
        `${name} reported divergence (exit code ${DIVERGED_EXIT_CODE})\n${tail.text()}`,
        'diverged',
      );
    return new PermanentTrialError(message, 'failed');
  }
}
