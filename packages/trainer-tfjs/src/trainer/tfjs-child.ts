/**
 * One trial, inside the trial's own process: pick the backend, build the task, run the loop, report epochs.
 * `bin/train-child.ts` wraps it with the JSON-line protocol that `createTfjsTrainer` reads.
 */
import { PermanentTrialError, type TrialRun } from '@sweeps/core';
import { z } from 'zod';

import type { BackendName } from '../backend/backend-probes.ts';
import { BackendUnavailableError, selectBackend } from '../backend/select-backend.ts';
import { runPretrain } from '../pretrain/pretrain.ts';
import { trainLoop } from '../train/loop.ts';
import { formatIssues, type RunPlan, resolvePlan } from './options.ts';
import { buildTask } from './tasks.ts';

/** What the tfjs trainer's child process is given: the trial, and where its snapshots go. */
export interface TfjsChildJob {
  trial: TrialRun;
  /** Per-epoch snapshots (the trial's own resume files); none when absent. */
  snapshotDir?: string;
  /** A file of an earlier attempt's snapshot directory. */
  resumeFrom?: string;
  /** Overrides `trainer.options.backend` (the CLI's `--backend`). */
  backend?: BackendName;
}

/** A finished trial: the last epoch's metrics and what ran it. */
export interface TfjsChildResult {
  metrics: Record<string, number>;
  backend: string;
  device: string;
}

const TrialSchema = z.object({
  trialId: z.string().default('local'),
  sweepId: z.string().default('local'),
  checkpoint: z.object({
    name: z.string().default('checkpoint'),
    uri: z.string(),
    format: z.string().optional(),
    prefix: z.string().optional(),
  }),
  optimizer: z.string(),
  params: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])),
  fixed: z.record(z.string(), z.unknown()).default({}),
  seed: z.number().int().min(0).default(0),
  trainer: z
    .looseObject({
      kind: z.literal('tfjs').default('tfjs'),
      options: z.record(z.string(), z.unknown()).default({}),
    })
    .default({ kind: 'tfjs', options: {} }),
  metricName: z.string().default('bbox_mAP'),
});

const JobSchema = z.strictObject({
  trial: TrialSchema,
  snapshotDir: z.string().optional(),
  resumeFrom: z.string().optional(),
  backend: z.enum(['tensorflow', 'webgpu', 'tensorflow-cpu', 'wasm', 'cpu']).optional(),
});

/** Parses a job (the trial JSON the trainer sends, or a `--config` file); missing trial fields get defaults. */
export function parseTfjsChildJob(value: unknown): TfjsChildJob {
  const parsed = JobSchema.safeParse(value);
  if (!parsed.success)
    throw new PermanentTrialError(
      `invalid train job: ${formatIssues(parsed.error, 'job')}`,
      'invalid',
    );
  return parsed.data as TfjsChildJob;
}

/** Hooks of {@link runTfjsChild}. */
export interface TfjsChildIo {
  onEpoch(epoch: number, metrics: Record<string, number>): void | Promise<void>;
  log(line: string): void;
  signal?: AbortSignal;
}

/** Runs a trial in this process. Throws `PermanentTrialError` for failures that would repeat. */
export async function runTfjsChild(job: TfjsChildJob, io: TfjsChildIo): Promise<TfjsChildResult> {
  const plan = resolvePlan(job.trial);
  const force = job.backend ?? plan.backend;
  const visible = process.env['CUDA_VISIBLE_DEVICES'];
  let selected: Awaited<ReturnType<typeof selectBackend>>;
  try {
    selected = await selectBackend({
      ...(force ? { force } : {}),
      ...(visible === undefined ? {} : { visibleDevices: visible }),
    });
  } catch (err) {
    if (err instanceof BackendUnavailableError)
      throw new PermanentTrialError(err.message, 'failed');
    throw err;
  }
  io.log(
    `backend ${selected.name}: ${selected.device}${selected.skipped ? ` (passed by: ${selected.skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')})` : ''}`,
  );
  if (plan.recipe) {
    const metrics = await runRecipeTrial(plan, job, io);
    return { metrics, backend: selected.name, device: selected.device };
  }
  const task = await buildTask(plan, io.log);
  try {
    const result = await trainLoop(task, {
      epochs: plan.epochs,
      seed: plan.seed,
      optimizer: plan.optimizer,
      schedule: plan.schedule,
      fingerprint: JSON.stringify({ plan, trial: job.trial.trialId }),
      ...(job.snapshotDir ? { snapshotDir: job.snapshotDir } : {}),
      ...(job.resumeFrom ? { resumeFrom: job.resumeFrom } : {}),
      ...(io.signal ? { signal: io.signal } : {}),
      onEpoch: io.onEpoch,
      log: io.log,
    });
    return { metrics: result.metrics, backend: selected.name, device: selected.device };
  } finally {
    task.dispose?.();
  }
}

/**
 * A recipe trial (recipe-trial.ts): pretrains from random weights with the recipe, the cell's lr and weight decay,
 * reporting top-1 per epoch, and writes the backbone and its record (sweep, trial, recipe, seed, top-1) to
 * `plan.recipe.out`. Snapshots and resume as any trial.
 */
async function runRecipeTrial(
  plan: RunPlan,
  job: TfjsChildJob,
  io: TfjsChildIo,
): Promise<Record<string, number>> {
  const o = plan.options;
  const recipe = plan.recipe!;
  const weightDecay = plan.optimizer.weight_decay ?? 0;
  io.log(`recipe ${recipe.name}: ${plan.epochs} epochs from random weights, writing ${recipe.out}`);
  const result = await runPretrain({
    out: recipe.out,
    recipe: recipe.name,
    epochs: plan.epochs,
    seed: plan.seed,
    dataSeed: o.data_seed,
    depth: o.depth,
    width: o.width,
    imageSize: o.image_size,
    trainImages: o.train_images ?? 2000,
    valImages: o.val_images ?? 500,
    batchSize: o.batch_size,
    lr: plan.optimizer.lr,
    weightDecay,
    recordExtra: {
      sweepId: job.trial.sweepId,
      trialId: job.trial.trialId,
      lr: plan.optimizer.lr,
      weightDecay,
    },
    ...(job.snapshotDir ? { snapshotDir: job.snapshotDir } : {}),
    ...(job.resumeFrom ? { resumeFrom: job.resumeFrom } : {}),
    ...(io.signal ? { signal: io.signal } : {}),
    onEpoch: io.onEpoch,
    log: io.log,
  });
  return result.metrics;
}
