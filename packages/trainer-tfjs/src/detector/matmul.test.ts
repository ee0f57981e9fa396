import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';

import '../backend/tfjs-gradients.ts';
import { matMul2d } from './matmul.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('matMul2d', () => {
  it('has the value and the gradients of tf.matMul', () => {
    const a = tf.randomNormal([5, 3], 0, 1, 'float32', 1) as tf.Tensor2D;
    const b = tf.randomNormal([3, 4], 0, 1, 'float32', 2) as tf.Tensor2D;
    const r = tf.randomNormal([5, 4], 0, 1, 'float32', 3);
    const loss = (mm: typeof matMul2d) => (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(mm(x as tf.Tensor2D, y as tf.Tensor2D), r));
    const [ga, gb] = tf.grads(loss(matMul2d))([a, b]);
    const [ea, eb] = tf.grads(loss((x, y) => tf.matMul(x, y)))([a, b]);
    expect(Array.from(matMul2d(a, b).dataSync())).toEqual(Array.from(tf.matMul(a, b).dataSync()));
    expect(tf.max(tf.abs(tf.sub(ga!, ea!))).dataSync()[0]).toBeLessThan(1e-6);
    expect(tf.max(tf.abs(tf.sub(gb!, eb!))).dataSync()[0]).toBeLessThan(1e-6);
  });
});
