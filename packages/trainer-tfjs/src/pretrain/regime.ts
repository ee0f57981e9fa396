/**
 * A recipe's additions to the classification task's training batch (the base task has none): random erasing
 * of the normalised images, Mixup / CutMix of the batch with its targets, and the loss over those targets
 * (cross-entropy with label smoothing, or binary cross-entropy). Draws come from the training loop's seeded
 * stream, so a seed fixes them.
 */
import * as tf from '@tensorflow/tfjs-core';

import type { SeededRng } from '../train/rng.ts';
import type { CropBatch } from './crops.ts';
import { binaryCrossEntropyWithLogits, softTargetCrossEntropy } from './losses.ts';
import { type MixingConfig, mixImages, mixTargets, sampleMixing } from './mixing.ts';
import { eraseBox, sampleErasing } from './random-erasing.ts';

/** What a recipe changes in a training batch and its loss. */
export interface TrainingRegime {
  /** Default 'ce'. */
  loss?: 'ce' | 'bce';
  /** Label smoothing of the targets. Default 0. */
  labelSmoothing?: number;
  mixing?: MixingConfig;
  /** Probability of erasing a box of each image (value 0 after normalisation, as torchvision). */
  randomErasing?: number;
}

/** The batch's images as a tensor after erasing and mixing, and the targets [N, C] of the loss. */
export function regimeBatch(
  b: CropBatch,
  numClasses: number,
  regime: TrainingRegime,
  rng: SeededRng,
): { images: tf.Tensor4D; targets: tf.Tensor2D } {
  const u = () => rng.next();
  const [n, h, w, c] = b.shape;
  let data = b.images;
  if (regime.randomErasing) {
    data = Float32Array.from(b.images);
    for (let i = 0; i < n; i++) {
      const box = sampleErasing(u, { p: regime.randomErasing }, h, w);
      if (box) eraseBox(data.subarray(i * h * w * c, (i + 1) * h * w * c), w, c, box);
    }
  }
  const mixing = regime.mixing ? sampleMixing(u, regime.mixing, h, w) : ({ kind: 'none' } as const);
  return tf.tidy(() => ({
    images: mixImages(tf.tensor4d(data, b.shape), mixing),
    targets: mixTargets(b.labels, numClasses, mixing, regime.labelSmoothing ?? 0),
  }));
}

/** The regime's loss of logits against the targets of {@link regimeBatch}. */
export function regimeLoss(
  logits: tf.Tensor2D,
  targets: tf.Tensor2D,
  regime: TrainingRegime,
): tf.Scalar {
  return regime.loss === 'bce'
    ? binaryCrossEntropyWithLogits(logits, targets)
    : softTargetCrossEntropy(logits, targets);
}
