/**
 * The recipes' classification losses over logits [N, C]: cross-entropy against (soft) targets, label smoothing
 * (torch's `label_smoothing`: targets (1 - s) one-hot + s / C), and binary cross-entropy with logits over
 * one-hot or mixed targets (the rsb recipe's loss, mean over every element as torch's default reduction).
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * One-hot targets [N, C] with smoothing `s`: s / C off the label, 1 - s + s / C on it. Built as
 * onehot x (1 - s) + s / C: `tf.oneHot`'s own on/off values are integers on some backends (wasm).
 */
export function smoothedOneHot(labels: Int32Array, numClasses: number, smoothing = 0): tf.Tensor2D {
  return tf.tidy(() => {
    const onehot = tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), numClasses), 'float32');
    if (smoothing === 0) return onehot as tf.Tensor2D;
    return tf.add(tf.mul(onehot, 1 - smoothing), smoothing / numClasses) as tf.Tensor2D;
  });
}

/** Mean over the batch of -sum_c t_c log softmax(x)_c. */
export function softTargetCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor2D): tf.Scalar {
  return tf.tidy(
    () => tf.neg(tf.mean(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), 1))) as tf.Scalar,
  );
}

/** `F.cross_entropy(logits, labels, label_smoothing=smoothing)`. */
export function labelSmoothingCrossEntropy(
  logits: tf.Tensor2D,
  labels: Int32Array,
  smoothing: number,
): tf.Scalar {
  return tf.tidy(() =>
    softTargetCrossEntropy(logits, smoothedOneHot(labels, logits.shape[1], smoothing)),
  );
}

/**
 * `F.binary_cross_entropy_with_logits(logits, targets)` (mean over all N x C elements), in the stable form
 * max(x, 0) - x t + log(1 + exp(-|x|)).
 */
export function binaryCrossEntropyWithLogits(logits: tf.Tensor2D, targets: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const perElement = tf.add(
      tf.sub(tf.relu(logits), tf.mul(logits, targets)),
      tf.log1p(tf.exp(tf.neg(tf.abs(logits)))),
    );
    return tf.mean(perElement) as tf.Scalar;
  });
}
