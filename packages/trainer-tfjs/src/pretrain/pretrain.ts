/**
 * The `pretrain` job: trains a ResNet backbone on the rendered object-crop classification set with the study's
 * *base* ImageNet recipe (torchvision v1: SGD momentum 0.9, weight decay 1e-4, lr x0.1 after 1/3 and 2/3 of
 * training, no warm-up, flip augmentation) and writes the backbone as safetensors under torchvision's keys, so
 * a sweep can compare random (`scratch`), base-pretrained and imported checkpoints.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';

import { encodeSafetensors } from '../checkpoint/safetensors.ts';
import { storeToTensorsAsync } from '../checkpoint/save.ts';
import type { ResNetConfig } from '../model/resnet.ts';
import { trainLoop } from '../train/loop.ts';
import { writeAtomic } from '../train/train-state.ts';
import { createClassificationTask } from './classification-task.ts';

/** Settings of {@link runPretrain}; defaults give the job's standard size (see the README for timings). */
export interface PretrainOptions {
  /** Where the backbone checkpoint goes (`.safetensors`). */
  out: string;
  /** Default 12 (the 90-epoch recipe's steps at 30 and 60 rescale to 4 and 8). */
  epochs?: number;
  /** Seeds initialisation, order and flips. Default 0. */
  seed?: number;
  /** Default 18. */
  depth?: ResNetConfig['depth'];
  /** Channel multiplier. Default 0.25 (stem 16, stages 16/32/64/128 at depth 18). */
  width?: number;
  /** Crop side in pixels. Default 64. */
  imageSize?: number;
  /** Default 4000. */
  trainImages?: number;
  /** Default 750. */
  valImages?: number;
  /** Default 32. */
  batchSize?: number;
  /** Default 0.1 x batchSize / 256: the recipe's lr 0.1 at batch 256, linearly scaled. */
  lr?: number;
  /** Per-epoch snapshots (resumable); none when absent. */
  snapshotDir?: string;
  resumeFrom?: string;
  signal?: AbortSignal;
  onEpoch?(epoch: number, metrics: Record<string, number>): Promise<void> | void;
  log?(line: string): void;
}

/** What the job returns: the last epoch's metrics (`top1`, `val_loss`, `loss`, ...) and the file written. */
export interface PretrainResult {
  metrics: Record<string, number>;
  out: string;
}

/** The base recipe's decay epochs, [30, 60] of 90, rescaled to `epochs`. */
export const BASE_RECIPE = {
  momentum: 0.9,
  weightDecay: 1e-4,
  lrAt256: 0.1,
  refSteps: [30, 60],
  refEpochs: 90,
} as const;

/** Runs the job and writes `options.out` atomically. */
export async function runPretrain(o: PretrainOptions): Promise<PretrainResult> {
  const batchSize = o.batchSize ?? 32;
  const epochs = o.epochs ?? 12;
  const seed = o.seed ?? 0;
  const backbone = {
    depth: o.depth ?? 18,
    width: o.width ?? 0.25,
    normEval: false,
    stemMaxPool: (o.imageSize ?? 64) > 32,
  };
  const task = createClassificationTask({
    backbone,
    seed,
    batchSize,
    trainImages: o.trainImages ?? 4000,
    valImages: o.valImages ?? 750,
    imageSize: o.imageSize ?? 64,
  });
  try {
    const lr = o.lr ?? (BASE_RECIPE.lrAt256 * batchSize) / 256;
    const optimizer = {
      name: 'SGD',
      lr,
      momentum: BASE_RECIPE.momentum,
      weight_decay: BASE_RECIPE.weightDecay,
    } as const;
    const result = await trainLoop(task, {
      epochs,
      seed,
      optimizer,
      schedule: {
        refSteps: BASE_RECIPE.refSteps,
        refEpochs: BASE_RECIPE.refEpochs,
        warmupIters: 0,
      },
      fingerprint: JSON.stringify({
        job: 'pretrain',
        epochs,
        seed,
        backbone,
        batchSize,
        lr,
        sizes: [o.trainImages, o.valImages, o.imageSize],
      }),
      ...pick(o, ['snapshotDir', 'resumeFrom', 'signal', 'onEpoch', 'log']),
    });
    await mkdir(path.dirname(path.resolve(o.out)), { recursive: true });
    const metadata = {
      format: 'pt',
      recipe: 'base (SGD m0.9, step decay)',
      arch: `resnet${backbone.depth} width ${backbone.width}`,
      epochs: String(epochs),
      top1: String(result.metrics['top1'] ?? ''),
    };
    await writeAtomic(
      o.out,
      encodeSafetensors(await storeToTensorsAsync(task.backbone.params), metadata),
    );
    return { metrics: result.metrics, out: o.out };
  } finally {
    task.dispose?.();
  }
}

function pick<T extends object, K extends keyof T>(o: T, keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}
