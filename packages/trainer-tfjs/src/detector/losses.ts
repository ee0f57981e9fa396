/**
 * MMDetection's loss choices for Faster R-CNN, written with ops whose gradients every backend has (no gather:
 * the sampled entries are selected by dense 0/1 weights, built in JavaScript from the assignments).
 * Every loss is `sum(weight * elementwise) / avgFactor`, mmdet's `weight_reduce_loss(reduction='mean', avg_factor)`.
 */
import * as tf from '@tensorflow/tfjs-core';

/** `CrossEntropyLoss(use_sigmoid=True)`: binary cross-entropy with logits, stable form. */
export function sigmoidBceLoss(
  logits: tf.Tensor,
  targets: tf.Tensor,
  weights: tf.Tensor,
  avgFactor: number,
): tf.Scalar {
  return tf.tidy(() => {
    const perElement = tf.add(
      tf.sub(tf.relu(logits), tf.mul(logits, targets)),
      tf.log1p(tf.exp(tf.neg(tf.abs(logits)))),
    );
    return tf.div(tf.sum(tf.mul(perElement, weights)), Math.max(avgFactor, 1)) as tf.Scalar;
  });
}

/** `CrossEntropyLoss(use_sigmoid=False)`: softmax cross-entropy of `[n, K + 1]` logits with one-hot targets. */
export function softmaxCeLoss(
  logits: tf.Tensor2D,
  oneHot: tf.Tensor2D,
  avgFactor: number,
): tf.Scalar {
  return tf.tidy(
    () =>
      tf.div(
        tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits), oneHot))),
        Math.max(avgFactor, 1),
      ) as tf.Scalar,
  );
}

/** `L1Loss`: weighted absolute error of regression deltas. */
export function l1Loss(
  pred: tf.Tensor,
  target: tf.Tensor,
  weights: tf.Tensor,
  avgFactor: number,
): tf.Scalar {
  return tf.tidy(
    () =>
      tf.div(
        tf.sum(tf.mul(tf.abs(tf.sub(pred, target)), weights)),
        Math.max(avgFactor, 1),
      ) as tf.Scalar,
  );
}

/** mmdet's `accuracy`: percentage of rows whose arg-max is the label (0 for no rows). */
export function accuracy(logits: tf.Tensor2D, labels: Int32Array): tf.Scalar {
  return tf.tidy(() => {
    if (labels.length === 0) return tf.scalar(0);
    const hits = tf.equal(tf.argMax(logits, 1), tf.tensor1d(labels, 'int32'));
    return tf.mul(tf.mean(tf.cast(hits, 'float32')), 100) as tf.Scalar;
  });
}
