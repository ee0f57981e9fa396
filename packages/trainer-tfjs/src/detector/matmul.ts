/**
 * A matMul whose gradient transposes explicitly. Why: tfjs' MatMul gradient calls BatchMatMul with
 * `transposeA` / `transposeB`, and tfjs-backend-wasm 4.22 runs those through a slow generic loop, measured here
 * ~13x slower than an explicit `tf.transpose` followed by a plain matMul (76 ms vs 6 ms for the box head's
 * [1568 x 256] x [256 x 128] weight gradient). On other backends the explicit transpose costs little.
 */
import * as tf from '@tensorflow/tfjs-core';

const matMulExplicitGrad = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [a, b, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor2D, tf.Tensor2D];
      return [tf.matMul(dy as tf.Tensor2D, tf.transpose(sb)), tf.matMul(tf.transpose(sa), dy as tf.Tensor2D)];
    },
  };
});

/** `a [m, k] x b [k, n]`, same value as `tf.matMul`, gradients through explicit transposes. */
export function matMul2d(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return matMulExplicitGrad(a, b) as tf.Tensor2D;
}
