import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { copyBlock } from './kernel-util.ts';
import { expectClose, onWasmAndCpu, rand } from './test-util.ts';

describe('copyBlock', () => {
  it('copies a block of a 3-D array (middle axis partial, trailing axis whole)', () => {
    const src = Float32Array.from({ length: 2 * 3 * 2 }, (_, i) => i); // [2, 3, 2]
    const dst = new Float32Array(2 * 2 * 2);
    copyBlock(src, [2, 3, 2], [0, 1, 0], [2, 2, 2], dst);
    expect(Array.from(dst)).toEqual([2, 3, 4, 5, 8, 9, 10, 11]);
  });

  it('copies an inner-axis window and a whole array', () => {
    const src = Float32Array.from({ length: 12 }, (_, i) => i); // [3, 4]
    const dst = new Float32Array(6);
    copyBlock(src, [3, 4], [0, 1], [3, 2], dst);
    expect(Array.from(dst)).toEqual([1, 2, 5, 6, 9, 10]);
    const all = new Float32Array(12);
    copyBlock(src, [3, 4], [0, 0], [3, 4], all);
    expect(Array.from(all)).toEqual(Array.from(src));
  });
});

describe('wasm Slice and SplitV (on the heap)', () => {
  it('slices like cpu: every rank, offsets on any axis, size -1, int32 and bool', async () => {
    const { wasm, cpu } = await onWasmAndCpu(() => [
      tf.slice(rand([7], 1), [2], [4]),
      tf.slice(rand([5, 6], 2), [1, 2], [3, -1]),
      tf.slice(rand([4, 5, 6], 3), [1, 0, 2], [2, 5, 3]),
      tf.slice(rand([3, 4, 5, 6], 4), [0, 1, 1, 0], [3, 2, 3, 6]),
      tf.slice(rand([2, 3, 4, 5, 6], 5), [1, 1, 0, 2, 1], [1, 2, 4, 2, 4]),
      tf.slice(rand([3, 4], 6), [1, 0], [0, 4]),
      tf.cast(
        tf.slice(
          tf.tensor2d(
            [
              [1, 2, 3],
              [4, 5, 6],
            ],
            [2, 3],
            'int32',
          ),
          [0, 1],
          [2, 2],
        ),
        'float32',
      ),
      tf.cast(tf.slice(tf.tensor1d([true, false, true, true], 'bool'), [1], [3]), 'float32'),
    ]);
    expectClose(wasm, cpu, 0);
  });

  it('splits like cpu, and gives tf.concat the same gradient', async () => {
    const { wasm, cpu } = await onWasmAndCpu(() => [
      ...tf.split(rand([9, 3, 2, 4], 7), [4, 3, 2], 0),
      ...tf.split(rand([4, 50, 4], 8), [30, 12, 8], 1),
      ...tf.split(rand([2, 3, 8], 9), 4, 2),
      tf.grad((x: tf.Tensor) =>
        tf.sum(tf.square(tf.concat([tf.mul(x, 2), x, tf.slice(x, [0, 1], [3, 2])], 1))),
      )(rand([3, 4], 10)),
    ]);
    expectClose(wasm, cpu, 0);
  });
});
