import * as tf from '@tensorflow/tfjs-core';
import { describe, it } from 'vitest';
import { expectClose, gatherTaps, onWasmAndCpu, rand, runOn, spreadFilter } from './test-util.ts';

type Pad = 'same' | 'valid';
const cases: {
  x: [number, number, number, number];
  w: [number, number, number, number];
  stride: number | [number, number];
  pad: Pad;
}[] = [
  { x: [2, 9, 9, 3], w: [3, 3, 3, 1], stride: 1, pad: 'same' },
  { x: [2, 9, 9, 3], w: [3, 3, 3, 2], stride: 2, pad: 'same' },
  { x: [2, 10, 9, 4], w: [3, 2, 4, 1], stride: 2, pad: 'valid' },
  { x: [1, 8, 8, 2], w: [5, 5, 2, 3], stride: [1, 2], pad: 'same' },
];

describe('wasm depthwise conv gradients', () => {
  it.each(cases)('depthwiseConv2d gradients match cpu: $x $w $stride $pad', async (c) => {
    const { wasm, cpu } = await onWasmAndCpu(() =>
      tf.grads((x: tf.Tensor, w: tf.Tensor) =>
        tf.sum(tf.square(tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.stride, c.pad))),
      )([rand(c.x, 1), rand(c.w, 2)]),
    );
    expectClose(wasm, cpu);
  });

  it('dilated depthwise kernels match cpu on the equivalent spread filter', async () => {
    const x = (): tf.Tensor4D => rand([2, 9, 9, 3], 3) as tf.Tensor4D;
    const w = (): tf.Tensor4D => rand([3, 3, 3, 2], 4) as tf.Tensor4D;
    const d = 2;
    const dy = (): tf.Tensor4D => rand([2, 5, 5, 6], 5) as tf.Tensor4D;
    const attrs = { strides: 1, pad: 'valid', dilations: d };
    const wasm = await runOn('wasm', () => [
      tf
        .engine()
        .runKernel(
          'DepthwiseConv2dNativeBackpropInput',
          { dy: dy(), filter: w() },
          { ...attrs, inputShape: [2, 9, 9, 3] },
        ) as tf.Tensor,
      tf
        .engine()
        .runKernel(
          'DepthwiseConv2dNativeBackpropFilter',
          { x: x(), dy: dy() },
          { ...attrs, filterShape: [3, 3, 3, 2] },
        ) as tf.Tensor,
    ]);
    const cpu = await runOn('cpu', () => {
      const [dx, dw] = tf.grads((a: tf.Tensor, f: tf.Tensor) =>
        tf.sum(tf.mul(tf.depthwiseConv2d(a as tf.Tensor4D, f as tf.Tensor4D, 1, 'valid'), dy())),
      )([x(), spreadFilter(w(), d)]);
      return [dx!, gatherTaps(dw as tf.Tensor4D, d)];
    });
    expectClose(wasm, cpu);
  });
});
