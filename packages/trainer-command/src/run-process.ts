/**
 * Runs one training process for a trainer: spawned without a shell by the trial-process runner (its own process
 * group, stopped with its group when the trial is aborted, or when the worker dies; see process-runner.ts), its
 * output bounded into lines, each line written to the trial's output log,
 * fed to a metric source and (if not a metric line) kept in the output tail. Epochs are reported as the source
 * emits them. Used by the `command` trainer and by trainers built on it (`mmdet`).
 */
import {
  OutputTail,
  PermanentTrialError,
  type EpochMetrics,
  type TrainerContext,
} from '@sweeps/core';
import type { EpochLine, MetricExtractor } from './metrics/epochs.ts';
import { OutputLog } from './output-log.ts';
import { runDetached } from './process-runner.ts';

export interface TrainingProcessOptions {
  argv: string[];
  cwd: string;
  /** The whole environment of the process (the worker's explicit one; nothing of its own is added). */
  env: Record<string, string>;
  ctx: TrainerContext;
  /** Reads metrics from the output lines. */
  extractor: MetricExtractor;
  /** `stdout`: only stdout carries metrics (JSON lines); `both`: stdout and stderr (loggers write to stderr). */
  metricStreams: 'stdout' | 'both';
  /** The trial's output log file (rotated); none when absent. */
  logFile?: string;
  /** Called with every emitted epoch before it is reported. */
  onEpoch?: (line: EpochLine) => void;
  /** Called with every output line (e.g. to notice an out-of-memory error anywhere in the output). */
  onLine?: (line: string) => void;
  /** Milliseconds between SIGTERM and SIGKILL when the trial is stopped (default: the runner's). */
  killGraceMs?: number;
}

/** How the process ended and what it reported. */
export interface TrainingProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The newest value of every metric reported, over all epochs. */
  latest: EpochMetrics;
  /** Every epoch's metrics as reported (merged per epoch). */
  epochs: Map<number, EpochMetrics>;
  tail: OutputTail;
}

/**
 * Reports epochs to the context, one at a time in the order reported, and keeps the newest values. A report that
 * fails does not become an unhandled rejection: the first failure is kept and `settled` rejects with it.
 */
export class EpochReporter {
  readonly latest: EpochMetrics = {};
  readonly epochs = new Map<number, EpochMetrics>();
  private chain: Promise<void> = Promise.resolve();
  private failure: { err: unknown } | undefined;
  constructor(private readonly ctx: TrainerContext) {}
  report(lines: EpochLine[]): void {
    for (const l of lines) {
      Object.assign(this.latest, l.metrics);
      this.epochs.set(l.epoch, { ...this.epochs.get(l.epoch), ...l.metrics });
      this.chain = this.chain
        .then(() => (this.failure ? undefined : this.ctx.reportEpoch(l.epoch, l.metrics)))
        .catch((err: unknown) => {
          this.failure ??= { err };
        });
    }
  }
  async settled(): Promise<void> {
    await this.chain;
    if (this.failure) throw this.failure.err;
  }
}

/** Spawns the process and resolves when it has exited and every epoch it reported is stored. */
export async function runTrainingProcess(
  opts: TrainingProcessOptions,
  reporter = new EpochReporter(opts.ctx),
): Promise<TrainingProcessResult> {
  const { argv, ctx } = opts;
  ctx.signal.throwIfAborted();
  const tail = new OutputTail();
  const log = opts.logFile ? new OutputLog(opts.logFile) : undefined;
  const onLine = (line: string, metricStream: boolean) => {
    log?.write(line);
    opts.onLine?.(line);
    const found = metricStream ? opts.extractor.push(line) : [];
    for (const f of found) opts.onEpoch?.(f);
    reporter.report(found);
    if (found.length === 0 || opts.metricStreams === 'both') {
      tail.push(line);
      ctx.log(line);
    }
  };
  const exit = await runDetached({
    argv,
    cwd: opts.cwd,
    env: opts.env,
    ...(ctx.runAs ? { runAs: ctx.runAs } : {}),
    signal: ctx.signal,
    ...(opts.killGraceMs ? { killGraceMs: opts.killGraceMs } : {}),
    onStdout: (l) => onLine(l, true),
    onStderr: (l) => onLine(l, opts.metricStreams === 'both'),
  });
  log?.flush();
  if (exit.startError) {
    const msg =
      exit.startError.code === 'ENOENT'
        ? `command not found: ${argv[0]} (cwd ${opts.cwd})`
        : `could not start ${argv[0]}: ${exit.startError.message}`;
    throw new PermanentTrialError(msg, 'invalid');
  }
  if (exit.droppedChars > 0)
    tail.push(`(${exit.droppedChars} characters of over-long output lines were not kept)`);
  const last = opts.extractor.end();
  for (const f of last) opts.onEpoch?.(f);
  reporter.report(last);
  await reporter.settled();
  return {
    code: exit.code,
    signal: exit.signal,
    latest: reporter.latest,
    epochs: reporter.epochs,
    tail,
  };
}
