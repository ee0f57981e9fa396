/**
 * The `command` trainer: runs any training command (a script of yours, MMDetection's tools/train.py, ...) as a
 * child process in its own process group, never through a shell, and reads per-epoch metrics from its output
 * or a file it writes (see metric-source.ts). The worker's policy (which executables, environment names and
 * directories it allows) is checked before anything starts; the process gets the worker's explicit environment.
 */
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  type CommandGate,
  PermanentTrialError,
  type OutputTail,
  type Trainer,
  type TrainerContext,
  type TrainerResult,
  type TrialRun,
} from '@sweeps/core';
import { buildArgv, buildEnv, placeholderValues } from './argv.ts';
import { createMetricSource, type MetricSourceSpec } from './metric-source.ts';
import { MetricPatternError } from './metrics/regex-source.ts';
import { watchMetricFile } from './metrics/file-source.ts';
import { isOutOfMemoryLine } from './out-of-memory.ts';
import { outputLogPath } from './output-log.ts';
import { DIVERGED_EXIT_CODE } from './process-runner.ts';
import { EpochReporter, runTrainingProcess } from './run-process.ts';

interface CommandSpec {
  command: string[];
  cwd?: string;
  env?: Record<string, string>;
  metrics?: MetricSourceSpec;
}

/** Options of {@link CommandTrainer}. */
export interface CommandTrainerOptions {
  /** The worker's policy; without one, everything is allowed (tests, direct use). */
  gate?: CommandGate;
  /** Milliseconds between SIGTERM and SIGKILL when a trial is stopped. */
  killGraceMs?: number;
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
    const values = placeholderValues(trial, ctx.trialDir, ctx.resumeFrom);
    const cwd = path.resolve(this.baseDir, spec.cwd ?? '.');
    let argv: string[];
    let extraEnv: Record<string, string>;
    let source: ReturnType<typeof createMetricSource>;
    try {
      argv = buildArgv(spec.command, values);
      extraEnv = buildEnv(spec.env, values);
      source = createMetricSource(spec.metrics, values, cwd);
    } catch (err) {
      if (err instanceof MetricPatternError)
        throw new PermanentTrialError(`trainer.metrics.pattern: ${err.message}`, 'invalid');
      throw new PermanentTrialError((err as Error).message, 'invalid');
    }
    const refused = this.options.gate?.check({
      executable: argv[0]!,
      argv,
      cwd,
      env: extraEnv,
    });
    if (refused)
      throw new PermanentTrialError(`refused by this worker's policy: ${refused}`, 'invalid');
    if (!(await stat(cwd).catch(() => null))?.isDirectory())
      throw new PermanentTrialError(`the working directory ${cwd} does not exist`, 'invalid');
    await mkdir(ctx.trialDir, { recursive: true }); // the command may write there ({snapshot_dir})
    const env: Record<string, string> = {
      ...ctx.env,
      ...extraEnv,
      SWEEPS_TRIAL_ID: trial.trialId,
      SWEEPS_SNAPSHOT_DIR: ctx.trialDir,
      SWEEPS_CHECKPOINT_DIR: ctx.trialDir, // deprecated name of SWEEPS_SNAPSHOT_DIR, still set
    };
    const reporter = new EpochReporter(ctx);
    let outOfMemory = false;
    const watcher = source.file
      ? watchMetricFile(
          () => source.file ?? null,
          (e) => reporter.report([e]),
        )
      : undefined;
    const run = await runTrainingProcess(
      {
        argv,
        cwd,
        env,
        ctx,
        extractor: source.extractor,
        metricStreams: source.streams,
        logFile: outputLogPath(ctx.trialDir),
        onLine: (line) => {
          outOfMemory ||= isOutOfMemoryLine(line);
        },
        ...(this.options.killGraceMs ? { killGraceMs: this.options.killGraceMs } : {}),
      },
      reporter,
    ).finally(() => watcher?.stop());
    await reporter.settled();
    if (ctx.signal.aborted) throw ctx.signal.reason;
    if (run.code !== 0) {
      if (outOfMemory && !run.signal && run.code !== DIVERGED_EXIT_CODE)
        throw new PermanentTrialError(
          `oom: ${path.basename(argv[0]!)} ran out of GPU memory on ${env.CUDA_VISIBLE_DEVICES ? `GPU(s) ${env.CUDA_VISIBLE_DEVICES}` : 'no visible GPU'} and exited with code ${run.code}: lower the batch size or give the trial more GPU memory\n${run.tail.text()}`,
          'oom',
        );
      throw this.failure(argv, run.code, run.signal, run.tail);
    }
    if (!(trial.metricName in reporter.latest)) {
      throw new PermanentTrialError(
        `the command finished but never printed "${trial.metricName}" in ${source.example(trial.metricName)}\n${run.tail.text()}`,
        'failed',
      );
    }
    return {
      metrics: reporter.latest,
      backend: 'external',
      device: env.CUDA_VISIBLE_DEVICES ? `cuda:${env.CUDA_VISIBLE_DEVICES}` : 'cpu',
    };
  }

  /**
   * A non-zero exit repeats on retry (bad arguments, a bug, divergence): permanent, and exit code 3 marks the
   * trial diverged (a CUDA out-of-memory line before the exit marks it `oom`, above). A foreign signal may not
   * repeat: retried.
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
