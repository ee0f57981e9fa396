import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';

import '../backend/tfjs-gradients.ts';
import { createFpn } from '../model/fpn.ts';
import { runFpn, upsample2x } from './neck.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('the detector FPN forward', () => {
  it('upsample2x is nearest 2x (cropped for odd sizes), and its gradient sums each 2x2 block', () => {
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6], [1, 2, 3, 1]);
    expect(Array.from(upsample2x(x, 4, 6).dataSync())).toEqual([1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 4, 4, 5, 5, 6, 6]);
    expect(upsample2x(x, 3, 5).shape).toEqual([1, 3, 5, 1]);
    expect(Array.from(tf.grad((t: tf.Tensor) => tf.sum(upsample2x(t as tf.Tensor4D, 3, 5)))(x).dataSync())).toEqual([4, 4, 2, 2, 2, 1]);
    expect(() => upsample2x(x, 5, 6)).toThrow(/not a 2x/);
  });

  it('equals model/fpn.ts forward on the same parameters', () => {
    const fpn = createFpn({ inChannels: [4, 8, 16, 32], outChannels: 8, seed: 3 });
    const shapes: Array<[number, number, number, number]> = [[2, 16, 16, 4], [2, 8, 8, 8], [2, 4, 4, 16], [2, 2, 2, 32]];
    const feats = shapes.map((s, i) => tf.randomNormal(s, 0, 1, 'float32', i) as tf.Tensor4D);
    const expected = fpn.forward(feats);
    const actual = runFpn(fpn, feats);
    expect(actual.map((t) => t.shape)).toEqual(expected.map((t) => t.shape));
    actual.forEach((t, i) => expect(tf.max(tf.abs(tf.sub(t, expected[i]!))).dataSync()[0]).toBeLessThan(1e-6));
    expect(() => runFpn(fpn, feats.slice(1))).toThrow(/does not take 3/);
  });
});
