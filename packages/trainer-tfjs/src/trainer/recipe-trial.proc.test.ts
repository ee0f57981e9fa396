import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import type { EpochMetrics, TrainerContext } from '@sweeps/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { readSafetensors } from '../checkpoint/safetensors.ts';
import type { CheckpointRecord } from '../pretrain/pretrain.ts';
import { createTfjsTrainer } from './tfjs-trainer.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sweeps-recipe-trial-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('a recipe trial (task classification, trainer.options.recipe)', () => {
  // one tiny epoch of the tnr recipe (cosine, smoothing, mixing, erasing, EMA) in a real trial process
  it('reports top-1 per epoch and writes the checkpoint and its record into save_dir', async () => {
    const saveDir = path.join(dir, 'checkpoints');
    const epochs: Array<[number, EpochMetrics]> = [];
    const ctx: TrainerContext = {
      reportEpoch: async (epoch, metrics) => void epochs.push([epoch, metrics]),
      trialDir: path.join(dir, 'trial'),
      signal: new AbortController().signal,
      env: {},
      log: () => {},
    };
    const result = await createTfjsTrainer().run(
      {
        trialId: 'trial-r1',
        sweepId: 'sweep-r',
        seed: 1,
        metricName: 'top1',
        checkpoint: { name: 'random', uri: 'scratch' },
        optimizer: 'SGD',
        params: { lr: 0.015625, weight_decay: 2e-5 },
        fixed: { epochs: 1 },
        trainer: {
          kind: 'tfjs',
          options: {
            task: 'classification',
            recipe: 'tnr',
            save_dir: saveDir,
            width: 0.125,
            image_size: 32,
            train_images: 32,
            val_images: 15,
            batch_size: 16,
          },
        },
      },
      ctx,
    );
    expect(epochs.map(([e]) => e)).toEqual([1]);
    const top1 = epochs[0]![1]['top1']!;
    expect(top1).toBeGreaterThanOrEqual(0);
    expect(top1).toBeLessThanOrEqual(1);
    expect(result.metrics['top1']).toBe(top1);
    const out = path.join(saveDir, 'tnr-seed1.safetensors');
    expect(existsSync(out)).toBe(true);
    expect((await readSafetensors(out)).metadata['recipe']).toBe('tnr');
    const record = JSON.parse(
      await readFile(path.join(saveDir, 'tnr-seed1.record.json'), 'utf8'),
    ) as CheckpointRecord;
    expect(record).toMatchObject({
      recipe: 'tnr',
      seed: 1,
      epochs: 1,
      top1,
      sweepId: 'sweep-r',
      trialId: 'trial-r1',
      lr: 0.015625,
      weightDecay: 2e-5,
    });
  }, 180_000);
});
