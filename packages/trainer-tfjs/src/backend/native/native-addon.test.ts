import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { runOn } from '../wasm-kernels/test-util.ts';
import { native, nativeSkipReason, testNative } from '../../testing/native.ts';

const skip = !testNative;

/** batch 1, 4x4x2 input, 4x4x3 output, 3x3 filter, stride 1, 'same' padding */
const geometry = [1, 4, 4, 2, 4, 4, 3, 3, 3, 1, 1, 1, 1, 1, 1];

describe('native convolution addon', () => {
  if (skip) it.skip(`not built here: ${nativeSkipReason}`, () => {});

  it.skipIf(skip)('loads and says which library and instruction set it runs', () => {
    if (!native.ok) throw new Error(`native kernels required in CI but ${native.reason}`);
    expect(native.library).toMatch(/^oneDNN \d+\.\d+\.\d+ /);
    expect(native.threads).toBe(1);
  });

  it.skipIf(skip)('refuses arrays that do not fit the geometry, naming them', () => {
    if (!native.ok) throw new Error(native.reason);
    const { conv2dForward, conv2dBackpropFilter } = native.kernels;
    const x = new Float32Array(32);
    const w = new Float32Array(54);
    expect(() => conv2dForward(x, w, new Float32Array(3), geometry)).toThrow(
      'y has 3 elements, the geometry needs 48',
    );
    expect(() =>
      conv2dBackpropFilter(x, new Float32Array(48), new Float32Array(53), geometry),
    ).toThrow('dw has 53 elements, the geometry needs 54');
    expect(() =>
      conv2dForward(
        new Int32Array(32) as unknown as Float32Array,
        w,
        new Float32Array(48),
        geometry,
      ),
    ).toThrow('x must be a Float32Array');
    expect(() => conv2dForward(x, w, new Float32Array(48), geometry.slice(1))).toThrow(
      'geometry must be an array of 15 integers',
    );
    const zeroStride = [...geometry];
    zeroStride[9] = 0;
    expect(() => conv2dForward(x, w, new Float32Array(48), zeroStride)).toThrow(
      'every size, stride and dilation must be at least 1',
    );
    const tooSmall = [...geometry];
    tooSmall[4] = 1; // 4 input rows padded by 1 give 4 output rows, not 1
    expect(() => conv2dForward(x, w, new Float32Array(4 * 3), tooSmall)).toThrow(
      'the output is smaller than the input and padding give',
    );
  });

  it.skipIf(skip)('gives zeros for an empty batch instead of calling the library', async () => {
    const [y, dw] = await runOn('native', () => {
      const x = tf.zeros([0, 5, 5, 2]) as tf.Tensor4D;
      const w = tf.ones([3, 3, 2, 4]) as tf.Tensor4D;
      const out = tf.conv2d(x, w, 1, 'same');
      const grad = tf.grad((f: tf.Tensor) => tf.sum(tf.conv2d(x, f as tf.Tensor4D, 1, 'same')))(w);
      return [out, grad];
    });
    expect(y).toHaveLength(0);
    expect(Array.from(dw!)).toEqual(new Array(3 * 3 * 2 * 4).fill(0));
  });
});
