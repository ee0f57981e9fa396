import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';

import { applyDropPath, dropPath, dropPathRates } from './drop-path.ts';
import { disposeStore } from './params.ts';
import { createResNet } from './resnet.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('stochastic depth (drop path)', () => {
  it('by hand: dropped samples become 0, kept ones are divided by the keep probability', () => {
    tf.tidy(() => {
      const x = tf.tensor4d([1, 2, 3, 4, 5, 6], [3, 1, 1, 2]);
      const y = applyDropPath(x, tf.tensor1d([1, 0, 1]), 0.8);
      expect(Array.from(y.dataSync())).toEqual([1.25, 2.5, 0, 0, 6.25, 7.5]);
    });
  });

  it('is the identity in evaluation and at rate 0', () => {
    tf.tidy(() => {
      const x = tf.ones([4, 2, 2, 3]);
      expect(dropPath(x, 0.3, { training: false, seed: 1 })).toBe(x);
      expect(dropPath(x, 0, { training: true, seed: 1 })).toBe(x);
    });
  });

  it('in training drops about `rate` of the samples, whole, and keeps the mean', () => {
    tf.tidy(() => {
      const n = 4000;
      const y = dropPath(tf.ones([n, 2]), 0.25, { training: true, seed: 5 }).dataSync();
      let dropped = 0;
      for (let i = 0; i < n; i++) {
        expect(y[2 * i]).toBe(y[2 * i + 1]);
        expect([0, Math.fround(1 / 0.75)]).toContain(y[2 * i]);
        if (y[2 * i] === 0) dropped++;
      }
      expect(dropped / n).toBeGreaterThan(0.22);
      expect(dropped / n).toBeLessThan(0.28);
      const mean = Array.from(y).reduce((a, b) => a + b, 0) / y.length;
      expect(Math.abs(mean - 1)).toBeLessThan(0.05);
    });
  });

  it('rates rise linearly over the blocks', () => {
    const expected = [0, 0.0125, 0.025, 0.0375, 0.05];
    for (const [i, r] of dropPathRates(5, 0.05).entries()) expect(r).toBeCloseTo(expected[i]!, 15);
    expect(() => dropPath(tf.ones([1]), 1, { training: true, seed: 0 })).toThrow(RangeError);
  });

  it('in a ResNet: only training with a positive rate changes the output, the same way for a seed', () => {
    const net = createResNet({ depth: 18, width: 0.0625, normEval: false, seed: 1 });
    const run = (o: Parameters<typeof net.forward>[1]) =>
      tf.tidy(() => Array.from(net.forward(tf.ones([4, 16, 16, 3]), o).c5.dataSync()));
    const plain = run({ training: true });
    expect(run({ training: true, dropPath: { rate: 0, seed: 2 } })).toEqual(plain);
    expect(run({ training: false, dropPath: { rate: 0.5, seed: 2 } })).toEqual(
      run({ training: false }),
    );
    const dropped = run({ training: true, dropPath: { rate: 0.5, seed: 2 } });
    expect(dropped).not.toEqual(plain);
    expect(run({ training: true, dropPath: { rate: 0.5, seed: 2 } })).toEqual(dropped);
    disposeStore(net.params);
  });
});
