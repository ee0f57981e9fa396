/**
 * Runs one training process for a trainer: spawned without a shell in its own process group, stopped with its
 * group when the trial is aborted, its output bounded into lines, each line written to the trial's output log,
 * fed to a metric source and (if not a metric line) kept in the output tail. Epochs are reported as the source
 * emits them. Used by the `command` trainer and by trainers built on it (`mmdet`).
 */
import { spawn } from 'node:child_process';
import {
  OutputTail,
  PermanentTrialError,
  type EpochMetrics,
  type TrainerContext,
} from '@sweeps/core';
import type { EpochLine, MetricExtractor } from './metrics/epochs.ts';
import { LineSplitter } from './metrics/lines.ts';
import { OutputLog } from './output-log.ts';
import { stopGroupOnAbort } from './process-group.ts';

/** Milliseconds between SIGTERM and SIGKILL when a trial is stopped. */
export const KILL_GRACE_MS = 5_000;

export interface TrainingProcessOptions {
  argv: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
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

/** Reports epochs to the context and keeps the newest values; `pending` holds the stores still running. */
export class EpochReporter {
  readonly latest: EpochMetrics = {};
  readonly epochs = new Map<number, EpochMetrics>();
  private readonly pending: Promise<void>[] = [];
  constructor(private readonly ctx: TrainerContext) {}
  report(lines: EpochLine[]): void {
    for (const l of lines) {
      Object.assign(this.latest, l.metrics);
      this.epochs.set(l.epoch, { ...this.epochs.get(l.epoch), ...l.metrics });
      this.pending.push(this.ctx.reportEpoch(l.epoch, l.metrics));
    }
  }
  settled(): Promise<unknown> {
    return Promise.all(this.pending);
  }
}

/** Spawns the process and resolves when it has exited and every epoch it reported is stored. */
export function runTrainingProcess(
  opts: TrainingProcessOptions,
  reporter = new EpochReporter(opts.ctx),
): Promise<TrainingProcessResult> {
  const { argv, ctx } = opts;
  ctx.signal.throwIfAborted();
  const tail = new OutputTail();
  const log = opts.logFile ? new OutputLog(opts.logFile) : undefined;
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd: opts.cwd,
    env: opts.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stopWatching = stopGroupOnAbort(child, ctx.signal, KILL_GRACE_MS);
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
  const stdout = new LineSplitter();
  const stderr = new LineSplitter();
  child.stdout!.setEncoding('utf8').on('data', (c: string) => {
    for (const l of stdout.push(c)) onLine(l, true);
  });
  child.stderr!.setEncoding('utf8').on('data', (c: string) => {
    for (const l of stderr.push(c)) onLine(l, opts.metricStreams === 'both');
  });

  return new Promise<TrainingProcessResult>((resolve, reject) => {
    child.on('error', (err: NodeJS.ErrnoException) => {
      stopWatching();
      log?.flush();
      const msg =
        err.code === 'ENOENT'
          ? `command not found: ${argv[0]} (cwd ${opts.cwd})`
          : `could not start ${argv[0]}: ${err.message}`;
      reject(new PermanentTrialError(msg, 'invalid'));
    });
    child.on('close', (code, signal) => {
      stopWatching();
      for (const l of stdout.end()) onLine(l, true);
      for (const l of stderr.end()) onLine(l, opts.metricStreams === 'both');
      const last = opts.extractor.end();
      for (const f of last) opts.onEpoch?.(f);
      reporter.report(last);
      log?.flush();
      reporter
        .settled()
        .then(
          () => resolve({ code, signal, latest: reporter.latest, epochs: reporter.epochs, tail }),
          reject,
        );
    });
  });
}
