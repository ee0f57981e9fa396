import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';

import { maxElementwiseRelError } from '../testing/rel-error.ts';
import { recipeFixture } from '../testing/recipe-fixture.ts';
import { crossEntropy } from './classification-task.ts';
import {
  binaryCrossEntropyWithLogits,
  labelSmoothingCrossEntropy,
  smoothedOneHot,
  softTargetCrossEntropy,
} from './losses.ts';
import { mixTargets } from './mixing.ts';

interface LossFixture {
  logits: number[];
  shape: [number, number];
  labels: number[];
  ce: number;
  ceSmoothed: number;
  mixedTargets: number[];
  lam: number;
  smoothing: number;
  softCe: number;
  bceOneHot: number;
  bceMixed: number;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const close = (a: tf.Scalar, e: number) =>
  expect(Math.abs(a.dataSync()[0]! - e)).toBeLessThan(1e-6 * (1 + Math.abs(e)));

describe('classification losses against torch', () => {
  const f = recipeFixture<LossFixture>('losses');
  const labels = Int32Array.from(f.labels);
  const numClasses = f.shape[1];

  it('cross-entropy, with label smoothing, and over soft (mixed) targets', () => {
    tf.tidy(() => {
      const logits = tf.tensor2d(f.logits, f.shape);
      close(crossEntropy(logits, labels), f.ce);
      close(labelSmoothingCrossEntropy(logits, labels, f.smoothing), f.ceSmoothed);
      close(softTargetCrossEntropy(logits, tf.tensor2d(f.mixedTargets, f.shape)), f.softCe);
      close(labelSmoothingCrossEntropy(logits, labels, 0), f.ce);
    });
  });

  it('binary cross-entropy over one-hot and over mixed targets', () => {
    tf.tidy(() => {
      const logits = tf.tensor2d(f.logits, f.shape);
      close(binaryCrossEntropyWithLogits(logits, smoothedOneHot(labels, numClasses)), f.bceOneHot);
      close(binaryCrossEntropyWithLogits(logits, tf.tensor2d(f.mixedTargets, f.shape)), f.bceMixed);
    });
  });

  it('mixed targets: lam y + (1 - lam) y[reversed], y smoothed', () => {
    tf.tidy(() => {
      const t = mixTargets(labels, numClasses, { kind: 'mixup', lam: f.lam }, f.smoothing);
      expect(maxElementwiseRelError(t, f.mixedTargets, 0.01)).toBeLessThan(1e-6);
      // every row still sums to 1
      for (const s of tf.sum(t, 1).dataSync()) expect(s).toBeCloseTo(1, 6);
    });
  });

  it('by hand: smoothing 0.1 over 5 classes puts 0.92 on the label and 0.02 elsewhere', () => {
    tf.tidy(() => {
      const y = smoothedOneHot(Int32Array.of(1), 5, 0.1).dataSync();
      expect(Array.from(y).map((v) => Number(v.toFixed(6)))).toEqual([
        0.02, 0.92, 0.02, 0.02, 0.02,
      ]);
      // BCE of logit 0 is log 2 whatever the target
      close(
        binaryCrossEntropyWithLogits(
          tf.zeros([2, 3]),
          tf.tensor2d([
            [1, 0, 0.3],
            [0, 1, 0],
          ]),
        ),
        Math.LN2,
      );
    });
  });
});
