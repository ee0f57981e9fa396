import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import type { TrialRun } from '@sweeps/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { generateDetectionSet } from '../data/generate.ts';
import { resolvePlan } from './options.ts';
import { runTfjsChild } from './tfjs-child.ts';

// A generated COCO set of 8 + 4 images (64-96 px) and the detector at tiny widths, on the automatically
// selected backend (wasm here). One epoch: the point is the wiring (losses, COCO evaluation), not accuracy.
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sweeps-detection-'));
  generateDetectionSet({
    seed: 0,
    outDir: path.join(dir, 'set'),
    trainImages: 8,
    valImages: 4,
    minSize: 64,
    maxSize: 96,
  });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const trial = (options: Record<string, unknown>): TrialRun => ({
  trialId: 'det-1',
  sweepId: 's',
  seed: 0,
  metricName: 'bbox_mAP',
  checkpoint: { name: 'random', uri: 'scratch' },
  optimizer: 'AdamW',
  params: { lr: 1e-4, weight_decay: 0.05 },
  fixed: { epochs: 1, norm_decay_mult: 0 },
  trainer: { kind: 'tfjs', options },
});

describe('the detection task', () => {
  it('is the default task once the detector is built in, and needs data_dir', () => {
    expect(() => resolvePlan(trial({}))).toThrow(
      'trainer.options.data_dir: required for task "detection"',
    );
    expect(() => resolvePlan(trial({ data_dir: path.join(dir, 'nope') }))).toThrow(
      /trainer\.options\.data_dir: .*nope not found/,
    );
    expect(resolvePlan(trial({ data_dir: path.join(dir, 'set') })).task).toBe('detection');
  });

  it('trains Faster R-CNN on data/ batches and reports the four losses and COCO bbox mAP per epoch', async () => {
    const epochs: Array<Record<string, number>> = [];
    const options = { data_dir: path.join(dir, 'set'), width: 0.125, scale: 64, batch_size: 4 };
    const outcome = await runTfjsChild(
      { trial: trial(options) },
      { onEpoch: (_e, m) => void epochs.push(m), log: () => {} },
    );
    expect(epochs).toHaveLength(1);
    for (const k of [
      'loss',
      'loss_rpn_cls',
      'loss_rpn_bbox',
      'loss_cls',
      'loss_bbox',
      'lr',
      'elapsed_s',
    ]) {
      expect(Number.isFinite(epochs[0]![k]), k).toBe(true);
    }
    for (const k of [
      'bbox_mAP',
      'bbox_mAP_50',
      'bbox_mAP_75',
      'bbox_mAP_s',
      'bbox_mAP_m',
      'bbox_mAP_l',
    ]) {
      expect(epochs[0]![k]).toBeGreaterThanOrEqual(-1);
      expect(epochs[0]![k]).toBeLessThanOrEqual(1);
    }
    expect(outcome.backend).not.toBe('cpu');
  }, 30_000);
});
