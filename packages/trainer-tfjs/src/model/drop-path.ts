/**
 * Stochastic depth ("drop path", Huang et al. 2016) on a residual branch, as timm applies it in ResNet blocks
 * (the rsb recipe's regulariser): in training each sample's branch is kept with probability keep = 1 - rate and
 * scaled by 1 / keep, so its expectation is unchanged; in evaluation the branch passes unchanged.
 */
import * as tf from '@tensorflow/tfjs-core';

/** The deterministic core: x [N, ...] times a per-sample 0/1 `keepMask` [N] divided by `keepProb`. */
export function applyDropPath<T extends tf.Tensor>(
  x: T,
  keepMask: tf.Tensor1D,
  keepProb: number,
): T {
  return tf.tidy(() => {
    const shape = [x.shape[0], ...x.shape.slice(1).map(() => 1)];
    return tf.mul(x, tf.div(tf.reshape(keepMask, shape), keepProb)) as T;
  });
}

/**
 * Drop path at `rate`: identity when not `training` or `rate` is 0; otherwise a per-sample mask drawn with the
 * seeded `tf.randomUniform` (kept where u < 1 - rate).
 */
export function dropPath<T extends tf.Tensor>(
  x: T,
  rate: number,
  o: { training: boolean; seed: number },
): T {
  if (!(rate >= 0 && rate < 1))
    throw new RangeError(`drop path rate must be in [0, 1), got ${rate}`);
  if (!o.training || rate === 0) return x;
  return tf.tidy(() => {
    const keep = 1 - rate;
    const u = tf.randomUniform([x.shape[0] as number], 0, 1, 'float32', o.seed);
    return applyDropPath(x, tf.cast(tf.less(u, keep), 'float32') as tf.Tensor1D, keep);
  });
}

/** Per-block rates rising linearly from 0 at the first block to `rate` at the last (timm's schedule). */
export function dropPathRates(blocks: number, rate: number): number[] {
  if (blocks <= 1) return Array.from({ length: blocks }, () => rate);
  return Array.from({ length: blocks }, (_, i) => (rate * i) / (blocks - 1));
}
