import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectClose, onWasmAndCpu, rand, runOn } from './test-util.ts';

describe('wasm UnsortedSegmentSum', () => {
  it('sums rows per segment and drops out-of-range ids, like cpu', async () => {
    const { wasm, cpu } = await onWasmAndCpu(() => [
      tf.unsortedSegmentSum(rand([7, 3, 2], 1), tf.tensor1d([2, 0, 2, -1, 5, 4, 0], 'int32'), 5),
      tf.unsortedSegmentSum(
        tf.tensor2d(
          [
            [1, 2],
            [3, 4],
            [5, 6],
          ],
          [3, 2],
          'int32',
        ),
        tf.tensor1d([1, 1, 0], 'int32'),
        2,
      ),
    ]);
    expectClose(wasm, cpu, 1e-6);
  });

  it('gives tf.gather a gradient, and has its own', async () => {
    const { wasm, cpu } = await onWasmAndCpu(() => {
      const ids = tf.tensor1d([1, 4, 4, 9, 0, 1], 'int32');
      const gatherGrad = tf.grad((p: tf.Tensor) => tf.sum(tf.square(tf.gather(p, ids))))(
        rand([10, 3], 3),
      );
      const segmentGrad = tf.grad((x: tf.Tensor) =>
        tf.sum(tf.square(tf.unsortedSegmentSum(x, tf.tensor1d([0, 2, 0, 1], 'int32'), 3))),
      )(rand([4, 5], 4));
      return [gatherGrad, segmentGrad];
    });
    expectClose(wasm, cpu);
  });
});

describe('wasm Identity (shares data)', () => {
  it('clones without copying and keeps the clone valid after the original is disposed', async () => {
    const [value] = await runOn('wasm', () => {
      const x = rand([4, 4], 5);
      const before = tf.memory().numBytes;
      const y = tf.clone(x);
      expect(tf.memory().numBytes).toBe(before + x.size * 4); // counted per tensor, stored once
      const expected = x.dataSync().slice();
      x.dispose();
      expect(Array.from(y.dataSync())).toEqual(Array.from(expected));
      return [tf.sub(y, tf.clone(y))];
    });
    expect(Array.from(value!).every((v) => v === 0)).toBe(true);
  });
});
