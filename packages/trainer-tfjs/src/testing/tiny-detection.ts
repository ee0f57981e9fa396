/**
 * The tiny detection trial the detection tests share: a generated COCO set of 8 + 4 images (64-96 px) and the
 * detector at width 0.125, scale 64, batch 4, one AdamW epoch. The point is the wiring (losses, COCO evaluation,
 * snapshots) on each backend, not accuracy.
 */
import path from 'node:path';
import type { TrialRun } from '@sweeps/core';
import { expect } from 'vitest';
import { generateDetectionSet } from '../data/generate.ts';
import { BBOX_METRICS } from '../trainer/detection-task.ts';

/** Writes the set under `dir/set` and returns that directory (the trial's `data_dir`). */
export function generateTinyDetectionSet(dir: string): string {
  const outDir = path.join(dir, 'set');
  generateDetectionSet({ seed: 0, outDir, trainImages: 8, valImages: 4, minSize: 64, maxSize: 96 });
  return outDir;
}

/** The detector options of the tiny trial, reading the set in `dataDir`. */
export function tinyDetectorOptions(dataDir: string) {
  return { data_dir: dataDir, width: 0.125, scale: 64, batch_size: 4 };
}

/** The tiny trial with these `trainer.options` (usually {@link tinyDetectorOptions}). */
export function tinyDetectionTrial(trialId: string, options: Record<string, unknown>): TrialRun {
  return {
    trialId,
    sweepId: 's',
    seed: 0,
    metricName: 'bbox_mAP',
    checkpoint: { name: 'random', uri: 'scratch' },
    optimizer: 'AdamW',
    params: { lr: 1e-4, weight_decay: 0.05 },
    fixed: { epochs: 1, norm_decay_mult: 0 },
    trainer: { kind: 'tfjs', options },
  };
}

const FINITE_PER_EPOCH = [
  'loss',
  'loss_rpn_cls',
  'loss_rpn_bbox',
  'loss_cls',
  'loss_bbox',
  'lr',
  'elapsed_s',
];

/** One epoch's report: the four losses, their sum, lr and time finite, every COCO bbox mAP in [-1, 1]. */
export function expectDetectionEpoch(metrics: Record<string, number>): void {
  for (const k of FINITE_PER_EPOCH) expect(Number.isFinite(metrics[k]), k).toBe(true);
  for (const k of BBOX_METRICS) {
    expect(metrics[k], k).toBeGreaterThanOrEqual(-1);
    expect(metrics[k], k).toBeLessThanOrEqual(1);
  }
}
