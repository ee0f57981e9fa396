import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { batchNormInference, batchNormTrain } from './batch-norm.ts';
import { testNative } from '../../testing/native.ts';
import { expectClose, runOn, rand } from './test-util.ts';

/** Training batch norm written the plain way (tf.moments), differentiated by tfjs: the reference. */
function referenceBatchNorm(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  epsilon: number,
): tf.Tensor {
  const axes = x.shape.map((_, i) => i).slice(0, -1);
  const { mean, variance } = tf.moments(x, axes);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, epsilon))), gamma), beta);
}

const shapes: number[][] = [
  [4, 5, 5, 6],
  [2, 3, 3, 16],
  [7, 3],
  [3, 2, 2, 13],
];

describe('batchNormTrain', () => {
  it.each(shapes)(
    'output, statistics and gradients match the tf.moments formula on cpu: %j',
    async (...shape) => {
      const channels = shape[shape.length - 1]!;
      const weights = (): tf.Tensor => rand(shape, 9);
      const inputs = (): [tf.Tensor, tf.Tensor1D, tf.Tensor1D] => [
        tf.add(tf.mul(rand(shape, 1), 3), 2),
        tf.add(rand([channels], 2), 1) as tf.Tensor1D,
        rand([channels], 3) as tf.Tensor1D,
      ];
      const run = (useReference: boolean) => (): tf.Tensor[] => {
        const [x, gamma, beta] = inputs();
        const f = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor =>
          useReference
            ? referenceBatchNorm(a, g, b, 1e-3)
            : batchNormTrain(a, g as tf.Tensor1D, b as tf.Tensor1D, 1e-3).y;
        const stats = useReference
          ? Object.values(tf.moments(x, shape.map((_, i) => i).slice(0, -1)))
          : (({ mean, variance }) => [mean, variance])(batchNormTrain(x, gamma, beta, 1e-3));
        return [
          f(x, gamma, beta),
          ...stats,
          ...tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
            tf.sum(tf.mul(f(a, g, b), weights())),
          )([x, gamma, beta]),
        ];
      };
      const expected = await runOn('cpu', run(true));
      expectClose(await runOn('wasm', run(false)), expected); // the fused wasm kernels
      if (testNative) expectClose(await runOn('native', run(false)), expected);
      expectClose(await runOn('cpu', run(false)), expected); // the broadcasting-ops version
    },
  );

  it('leaves no tensors behind inside tidy', async () => {
    await runOn('wasm', () => {
      const x = rand([2, 3, 3, 4], 4);
      const [g, b] = [tf.ones([4]) as tf.Tensor1D, tf.zeros([4]) as tf.Tensor1D];
      const before = tf.memory().numTensors;
      tf.tidy(() => {
        tf.grads((a: tf.Tensor) => tf.sum(batchNormTrain(a, g, b).y))([x]);
      });
      expect(tf.memory().numTensors).toBe(before);
      return [];
    });
  });
});

describe('batchNormInference', () => {
  it.each([
    [2, 4, 4, 6],
    [4, 8, 8, 16],
    [3, 5],
  ])('matches tf.batchNorm, value and gradients, on wasm (fused) and cpu: %j', async (...shape) => {
    const channels = shape[shape.length - 1]!;
    const run = (useReference: boolean) => (): tf.Tensor[] => {
      const [mean, variance, gamma, beta] = [
        rand([channels], 1),
        tf.add(rand([channels], 2), 1.5),
        rand([channels], 3),
        rand([channels], 4),
      ];
      const f = (
        x: tf.Tensor,
        m: tf.Tensor,
        v: tf.Tensor,
        g: tf.Tensor,
        b: tf.Tensor,
      ): tf.Tensor =>
        useReference
          ? tf.batchNorm(
              x,
              m as tf.Tensor1D,
              v as tf.Tensor1D,
              b as tf.Tensor1D,
              g as tf.Tensor1D,
              1e-5,
            )
          : batchNormInference(
              x,
              m as tf.Tensor1D,
              v as tf.Tensor1D,
              g as tf.Tensor1D,
              b as tf.Tensor1D,
              1e-5,
            );
      const inputs = [rand(shape, 5), mean, variance, gamma, beta] as [
        tf.Tensor,
        tf.Tensor,
        tf.Tensor,
        tf.Tensor,
        tf.Tensor,
      ];
      return [
        f(...inputs),
        ...tf.grads((...a: tf.Tensor[]) =>
          tf.sum(tf.mul(f(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!), rand(shape, 6))),
        )(inputs),
      ];
    };
    const expected = await runOn('cpu', run(true));
    expectClose(await runOn('wasm', run(false)), expected);
    expectClose(await runOn('cpu', run(false)), expected);
  });
});
