import * as tf from '@tensorflow/tfjs-core';
import { describe, it } from 'vitest';
import { nativeSkipReason, testNative } from '../../testing/native.ts';
import {
  expectClose,
  gatherTaps,
  onBackendAndCpu,
  rand,
  runOn,
  spreadFilter,
} from './test-util.ts';

type Pad =
  | 'same'
  | 'valid'
  | [[number, number], [number, number], [number, number], [number, number]];
interface ConvCase {
  x: [number, number, number, number];
  w: [number, number, number, number];
  stride: number | [number, number];
  pad: Pad;
}

const cases: ConvCase[] = [
  { x: [2, 9, 9, 3], w: [3, 3, 3, 4], stride: 1, pad: 'same' },
  { x: [2, 9, 9, 3], w: [3, 3, 3, 4], stride: 2, pad: 'same' },
  { x: [2, 10, 10, 3], w: [3, 3, 3, 4], stride: 2, pad: 'same' },
  { x: [2, 9, 9, 3], w: [3, 3, 3, 4], stride: 2, pad: 'valid' },
  { x: [1, 8, 7, 2], w: [1, 1, 2, 5], stride: 2, pad: 'valid' },
  { x: [1, 31, 31, 2], w: [1, 1, 2, 2], stride: 2, pad: 'same' },
  { x: [2, 11, 8, 3], w: [5, 3, 3, 2], stride: [2, 3], pad: 'valid' },
  { x: [2, 6, 6, 2], w: [4, 4, 2, 3], stride: 3, pad: 'same' },
  {
    x: [2, 7, 7, 3],
    w: [3, 3, 3, 2],
    stride: 1,
    pad: [
      [0, 0],
      [2, 1],
      [0, 3],
      [0, 0],
    ],
  },
  {
    x: [1, 8, 8, 2],
    w: [3, 3, 2, 2],
    stride: 2,
    pad: [
      [0, 0],
      [4, 0],
      [0, 1],
      [0, 0],
    ],
  },
];

/**
 * Both implementations of the convolution kernels on the wasm backend: this project's wasm ones (over
 * XNNPACK) and the native ones (native/, oneDNN), where testing/native.ts says they are tested.
 */
const kernelSets = [
  { set: 'wasm' as const, skip: false },
  { set: 'native' as const, skip: !testNative },
];

describe.each(kernelSets)(
  '$set Conv2D / Conv2DBackpropInput / Conv2DBackpropFilter',
  ({ set, skip }) => {
    if (skip) it.skip(`native kernels: ${nativeSkipReason}`, () => {});
    it.skipIf(skip).each(cases)('conv2d gradients match cpu: $x $w $stride $pad', async (c) => {
      const { actual, cpu } = await onBackendAndCpu(set, () =>
        tf.grads((x: tf.Tensor, w: tf.Tensor) =>
          tf.sum(tf.mul(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.stride, c.pad), 1.5)),
        )([rand(c.x, 1), rand(c.w, 2)]),
      );
      expectClose(actual, cpu);
    });

    it.skipIf(skip).each(cases.slice(0, 6))(
      'conv2dTranspose (Conv2DBackpropInput) and its gradient match cpu: $x $w $stride $pad',
      async (c) => {
        const { actual, cpu } = await onBackendAndCpu(set, () => {
          const dyShape = tf.conv2d(
            tf.zeros(c.x) as tf.Tensor4D,
            tf.zeros(c.w) as tf.Tensor4D,
            c.stride,
            c.pad,
          ).shape;
          const f = (dy: tf.Tensor, w: tf.Tensor): tf.Tensor =>
            tf.conv2dTranspose(
              dy as tf.Tensor4D,
              w as tf.Tensor4D,
              c.x,
              c.stride,
              c.pad as 'same' | 'valid',
            );
          const dy = rand(dyShape, 3);
          const w = rand(c.w, 4);
          return [
            f(dy, w),
            ...tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(f(a, b))))([dy, w]),
          ];
        });
        expectClose(actual, cpu);
      },
    );

    it.skipIf(skip).each([
      { x: [2, 9, 9, 3], w: [3, 3, 3, 2], d: 2, stride: 1, pad: 'same' },
      { x: [1, 12, 10, 2], w: [3, 2, 2, 3], d: 3, stride: 1, pad: 'valid' },
      { x: [1, 11, 11, 2], w: [3, 3, 2, 2], d: 2, stride: 2, pad: 'same' },
    ] as const)(
      'dilated kernels match cpu on the equivalent spread filter: dilation $d stride $stride $pad',
      async (c) => {
        const x = (): tf.Tensor4D => rand([...c.x], 5) as tf.Tensor4D;
        const spread = (): tf.Tensor4D => spreadFilter(rand([...c.w], 6) as tf.Tensor4D, c.d);
        const dyShape = (): [number, number, number, number] =>
          tf.conv2d(x(), spread(), c.stride, c.pad).shape;
        const actual = await runOn(set, () => {
          const attrs = { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', dilations: c.d };
          const dy = rand(dyShape(), 7);
          const filter = rand([...c.w], 6);
          const dx = tf
            .engine()
            .runKernel(
              'Conv2DBackpropInput',
              { dy, filter },
              { ...attrs, inputShape: [...c.x] },
            ) as tf.Tensor;
          const dw = tf
            .engine()
            .runKernel(
              'Conv2DBackpropFilter',
              { x: x(), dy },
              { ...attrs, filterShape: [...c.w] },
            ) as tf.Tensor;
          return [dx, dw];
        });
        const cpu = await runOn('cpu', () => {
          const dy = rand(dyShape(), 7) as tf.Tensor4D;
          const dx = tf.conv2dTranspose(dy, spread(), [...c.x], c.stride, c.pad);
          const dw = tf.grad((f: tf.Tensor) =>
            tf.sum(tf.mul(tf.conv2d(x(), f as tf.Tensor4D, c.stride, c.pad), dy)),
          )(spread()) as tf.Tensor4D;
          return [dx, gatherTaps(dw, c.d)];
        });
        expectClose(actual, cpu);
      },
    );
  },
);
