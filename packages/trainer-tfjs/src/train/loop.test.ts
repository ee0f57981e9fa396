import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { PermanentTrialError } from '@sweeps/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { selectBackend } from '../backend/select-backend.ts';
import { createClassificationTask } from '../pretrain/classification-task.ts';
import { trainLoop, type LoopConfig } from './loop.ts';

// The wasm backend with this project's training kernels (what a CPU worker uses); tiny model and data:
// ResNet-18 at width 1/8 on 32x32 crops, 48 training images, batch 16.
const tiny = (seed = 0) =>
  createClassificationTask({
    seed,
    trainImages: 48,
    valImages: 30,
    imageSize: 32,
    batchSize: 16,
    classes: ['circle', 'square', 'digit-1'],
    backbone: { width: 0.125, stemMaxPool: false },
  });

const sgd = { name: 'SGD', lr: 0.05, momentum: 0.9, weight_decay: 1e-4 } as const;

async function train(config: Partial<LoopConfig> & { epochs: number }, seed = 0) {
  const task = tiny(seed);
  const epochs: Array<Record<string, number>> = [];
  try {
    const result = await trainLoop(task, {
      seed,
      optimizer: sgd,
      schedule: { warmupIters: 0 },
      ...config,
      onEpoch: async (e, m) => {
        epochs.push(m);
        await config.onEpoch?.(e, m);
      },
    });
    return { result, epochs };
  } finally {
    task.dispose?.();
  }
}

const withoutTime = (m: Record<string, number>) =>
  Object.fromEntries(Object.entries(m).filter(([k]) => k !== 'elapsed_s'));

let dir: string;
beforeAll(async () => {
  await selectBackend({ force: 'wasm' });
  dir = await mkdtemp(path.join(tmpdir(), 'sweeps-loop-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('trainLoop', () => {
  it('lowers the loss, reports every term, lr, eval metrics and elapsed time; same seed gives the same numbers', async () => {
    const a = await train({ epochs: 4, schedule: { warmupIters: 0, steps: [10] } });
    expect(a.epochs).toHaveLength(4);
    expect(Object.keys(a.epochs[0]!).sort()).toEqual([
      'elapsed_s',
      'loss',
      'loss_cls',
      'lr',
      'top1',
      'val_loss',
    ]);
    expect(a.epochs[3]!['loss']!).toBeLessThan(a.epochs[0]!['loss']! * 0.9);
    expect(a.epochs[3]!['elapsed_s']!).toBeGreaterThan(a.epochs[0]!['elapsed_s']!);
    const b = await train({ epochs: 4, schedule: { warmupIters: 0, steps: [10] } });
    expect(b.epochs.map(withoutTime)).toEqual(a.epochs.map(withoutTime));
    const other = await train({ epochs: 1 }, 1);
    expect(other.epochs[0]!['loss']).not.toEqual(a.epochs[0]!['loss']);
  }, 30_000); // two 4-epoch runs: ~2.5 s alone, more on a busy machine

  it('resumes from a snapshot to the same final metrics as an uninterrupted run', async () => {
    const whole = await train({ epochs: 2, snapshotDir: path.join(dir, 'whole') });
    const resumeDir = path.join(dir, 'resume');
    const stop = new AbortController();
    const first = await train({
      epochs: 2,
      snapshotDir: resumeDir,
      signal: stop.signal,
      onEpoch: () => stop.abort(new Error('interrupted')),
    }).catch((e: unknown) => e);
    expect((first as Error).message).toBe('interrupted');
    expect((await readdir(resumeDir)).sort()).toEqual([
      'epoch-0001.json',
      'epoch-0001.optim.safetensors',
      'epoch-0001.weights.safetensors',
    ]);
    const logs: string[] = [];
    const rest = await train({
      epochs: 2,
      snapshotDir: resumeDir,
      resumeFrom: path.join(resumeDir, 'epoch-0001.weights.safetensors'),
      log: (l) => logs.push(l),
    });
    expect(rest.result.resumedFrom).toBe(1);
    expect(rest.epochs).toHaveLength(1);
    expect(logs.join('\n')).toContain('after epoch 1');
    const final = withoutTime(rest.result.metrics);
    for (const [k, v] of Object.entries(withoutTime(whole.result.metrics)))
      expect(final[k]).toBeCloseTo(v, 5);
  }, 30_000);

  it('stops with a diverged error naming the epoch, iteration and lr when the loss is not finite', async () => {
    const error = await train({ epochs: 2, optimizer: { ...sgd, lr: 3e38 } }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PermanentTrialError);
    expect((error as PermanentTrialError).reason).toBe('diverged');
    expect((error as Error).message).toMatch(
      /^loss diverged at epoch 1, iteration \d+ \(loss (NaN|-?Infinity); lr 3\.00e\+38 too high\?\)$/,
    );
  });

  it('refuses a NaN learning rate before training', async () => {
    await expect(train({ epochs: 1, optimizer: { ...sgd, lr: Number.NaN } })).rejects.toThrow(
      'invalid lr NaN',
    );
  });

  it('stops between iterations when aborted, before the next step', async () => {
    const task = tiny();
    const stop = new AbortController();
    let steps = 0;
    const epochs: number[] = [];
    const aborting = {
      ...task,
      afterStep: () => {
        task.afterStep?.();
        if (++steps === 1) stop.abort(new Error('cancelled')); // arrives during the first iteration
      },
    };
    try {
      await expect(
        trainLoop(aborting, {
          seed: 0,
          optimizer: sgd,
          schedule: { warmupIters: 0 },
          epochs: 50,
          signal: stop.signal,
          onEpoch: (e) => void epochs.push(e),
        }),
      ).rejects.toThrow('cancelled');
    } finally {
      task.dispose?.();
    }
    expect(steps).toBe(1); // of 3 in the epoch
    expect(epochs).toEqual([]);
  });
});
