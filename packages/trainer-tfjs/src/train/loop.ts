/**
 * The generic training loop: optimizer and lr schedule of the study, seeded randomness, divergence detection,
 * an atomic snapshot per epoch, exact resume, abort between iterations and a per-epoch report.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToEvents } from 'node:timers/promises';

import * as tf from '@tensorflow/tfjs-core';
import { PermanentTrialError } from '@sweeps/core';

import { createOptimizer, type Optimizer } from '../optim/optimizer.ts';
import { lrAt, type StepScheduleConfig } from '../optim/schedule.ts';
import type { OptimizerConfig } from '../optim/types.ts';
import { SeededRng } from './rng.ts';
import { buildSchedule, type ScheduleSettings } from './schedule.ts';
import type { TrainTask } from './task.ts';
import { findLatestState, loadTrainState, saveTrainState } from './train-state.ts';

/** Settings of one training run. */
export interface LoopConfig {
  epochs: number;
  /** Seeds the loop's stream and the task's per-epoch data order and augmentation. */
  seed: number;
  /** The optimizer; its `lr` is the schedule's base lr. */
  optimizer: OptimizerConfig;
  /** The schedule without `baseLr`/`epochs` (taken from `optimizer.lr` and `epochs`). Default: the study's 1x. */
  schedule?: Omit<ScheduleSettings, 'baseLr' | 'epochs'>;
  /** The lr of each iteration (0-based, global) when the schedule is not a step schedule (a recipe's cosine). */
  lrAt?: (iteration: number) => number;
  /** Where a snapshot (the trial's own resume files) is written after every epoch; none when absent. */
  snapshotDir?: string;
  /** A file of an earlier attempt's snapshot directory (its newest complete epoch is resumed). */
  resumeFrom?: string;
  /** A snapshot whose fingerprint differs is not resumed. Default: the JSON of epochs, seed and optimizer. */
  fingerprint?: string;
  /** Checked between iterations; training stops with its reason. */
  signal?: AbortSignal;
  /** Receives each epoch's metrics (epochs count from 1). */
  onEpoch?(epoch: number, metrics: Record<string, number>): Promise<void> | void;
  log?(line: string): void;
}

/** What a finished run returns. */
export interface LoopResult {
  /** The last epoch's metrics. */
  metrics: Record<string, number>;
  /** The epoch count a resumed run started from (0 for a fresh run). */
  resumedFrom: number;
}

/** The loop's PRNG purpose tag (keeps its stream independent of the data streams of the same seed). */
const LOOP_STREAM = 0x7a11;

/** Runs `config.epochs` epochs of `task`, resuming from `config.resumeFrom` when it holds a usable snapshot. */
export async function trainLoop<B>(task: TrainTask<B>, config: LoopConfig): Promise<LoopResult> {
  const schedule = buildSchedule(
    { ...config.schedule, baseLr: config.optimizer.lr, epochs: config.epochs },
    task.itersPerEpoch,
  );
  const optimizer = createOptimizer(config.optimizer, task.variables, { roles: task.roles });
  const rng = new SeededRng(config.seed, LOOP_STREAM);
  const fingerprint =
    config.fingerprint ??
    JSON.stringify({ epochs: config.epochs, seed: config.seed, optimizer: config.optimizer });
  try {
    const resumed = await resume(task, optimizer, rng, config, fingerprint);
    let { metrics } = resumed;
    const started = performance.now() / 1000 - resumed.elapsedS;
    for (let epoch = resumed.epoch; epoch < config.epochs; epoch++) {
      const losses = await runEpoch(task, optimizer, rng, schedule, epoch, config);
      const evaluated = task.evaluate ? await task.evaluate(epoch + 1) : {};
      const elapsedS = performance.now() / 1000 - started;
      metrics = { ...losses, ...evaluated, elapsed_s: round3(elapsedS) };
      // Report before saving: a crash in between repeats this epoch on resume (same numbers), never skips it.
      await config.onEpoch?.(epoch + 1, metrics);
      if (config.snapshotDir) {
        const meta = { epoch: epoch + 1, rngState: rng.getState(), elapsedS, fingerprint, metrics };
        await saveTrainState(
          config.snapshotDir,
          task.params,
          await optimizer.getStateAsync(),
          meta,
        );
      }
    }
    return { metrics, resumedFrom: resumed.epoch };
  } finally {
    optimizer.dispose();
  }
}

interface ResumePoint {
  epoch: number;
  elapsedS: number;
  metrics: Record<string, number>;
}

async function resume(
  task: TrainTask<unknown>,
  optimizer: Optimizer,
  rng: SeededRng,
  config: LoopConfig,
  fingerprint: string,
): Promise<ResumePoint> {
  const fresh: ResumePoint = { epoch: 0, elapsedS: 0, metrics: {} };
  if (!config.resumeFrom) return fresh;
  const dir = path.dirname(config.resumeFrom);
  const meta = await findLatestState(dir);
  if (!meta) return (config.log?.(`no complete snapshot in ${dir}: starting from scratch`), fresh);
  if (meta.fingerprint !== fingerprint) {
    config.log?.(
      `snapshot ${meta.weightsFile} was written with other settings: starting from scratch`,
    );
    return fresh;
  }
  const loaded = await loadTrainState(dir, meta, task.params);
  optimizer.setState(loaded.optimizerState);
  rng.setState(meta.rngState);
  config.log?.(`resumed from ${path.join(dir, meta.weightsFile)} after epoch ${meta.epoch}`);
  return {
    epoch: Math.min(meta.epoch, config.epochs),
    elapsedS: meta.elapsedS,
    metrics: meta.metrics,
  };
}

async function runEpoch<B>(
  task: TrainTask<B>,
  optimizer: Optimizer,
  rng: SeededRng,
  schedule: StepScheduleConfig,
  epoch: number,
  config: LoopConfig,
): Promise<Record<string, number>> {
  const sums: Record<string, number> = { loss: 0 };
  let i = 0;
  const lrOf = config.lrAt ?? ((it: number) => lrAt(it, schedule));
  let lr = lrOf(epoch * task.itersPerEpoch);
  for (const batch of task.batches(epoch, config.seed)) {
    await yieldToEvents(); // lets an abort (timer, IPC, signal handler) land between iterations
    config.signal?.throwIfAborted();
    lr = lrOf(epoch * task.itersPerEpoch + i);
    await task.prepare?.(batch);
    const values = await trainStep(task, optimizer, batch, rng, lr);
    if (!Number.isFinite(values.loss)) {
      const message = `loss diverged at epoch ${epoch + 1}, iteration ${i + 1} (loss ${values.loss}; lr ${lr.toPrecision(3)} too high?)`;
      throw new PermanentTrialError(message, 'diverged');
    }
    for (const [k, v] of Object.entries(values)) sums[k] = (sums[k] ?? 0) + v;
    i++;
  }
  if (i === 0) throw new PermanentTrialError(`epoch ${epoch + 1} had no batches`, 'invalid');
  const means = Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / i]));
  return { ...means, lr };
}

/**
 * One optimizer step; returns the loss and its terms as numbers (read asynchronously, so every backend works,
 * webgpu included). Nothing is stepped when the loss is not finite.
 */
async function trainStep<B>(
  task: TrainTask<B>,
  optimizer: Optimizer,
  batch: B,
  rng: SeededRng,
  lr: number,
): Promise<Record<string, number>> {
  const names = Object.keys(task.variables);
  const vars = names.map((n) => task.variables[n]!);
  const keyOf = new Map(vars.map((v, j) => [v.name, names[j]!]));
  const terms: Record<string, tf.Scalar> = {};
  const { value, grads } = tf.variableGrads(() => {
    const out = task.lossFn(batch, rng);
    for (const [k, t] of Object.entries(out.terms)) terms[k] = tf.keep(t);
    return out.total;
  }, vars);
  try {
    const termNames = Object.keys(terms).filter((k) => k !== 'loss');
    const stacked = tf.stack([value, ...termNames.map((k) => terms[k]!)]);
    let numbers: Float32Array;
    try {
      numbers = (await stacked.data()) as Float32Array;
    } finally {
      stacked.dispose();
    }
    const result: Record<string, number> = { loss: numbers[0]! };
    termNames.forEach((k, j) => {
      result[k] = numbers[j + 1]!;
    });
    if (Number.isFinite(result.loss)) {
      const named = Object.fromEntries(Object.entries(grads).map(([n, g]) => [keyOf.get(n)!, g]));
      optimizer.step(named, lr);
      task.afterStep?.();
    }
    return result;
  } finally {
    tf.dispose([value, ...Object.values(grads), ...Object.values(terms)]);
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
