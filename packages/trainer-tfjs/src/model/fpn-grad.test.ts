import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';

import { selectBackend } from '../backend/select-backend.ts';
import { expectClose, onWasmAndCpu, rand } from '../backend/wasm-kernels/test-util.ts';
import { createFpn, upsampleNearest } from './fpn.ts';
import { disposeStore } from './params.ts';

/** The target sizes an FPN sees (2x, 2x - 1 per axis) and one that takes the resize fallback. */
const sizes: Array<[number, number]> = [
  [6, 8],
  [5, 7],
  [6, 7],
  [9, 4],
];

/** d sum(upsample(x) * r) / dx, for a fixed random r. */
function upGrad(
  up: (x: tf.Tensor4D, h: number, w: number) => tf.Tensor4D,
  x: tf.Tensor4D,
  h: number,
  w: number,
): tf.Tensor {
  const r = rand([x.shape[0], h, w, x.shape[3]], 9);
  return tf.grad((t: tf.Tensor) => tf.sum(tf.mul(up(t as tf.Tensor4D, h, w), r)))(x);
}

/**
 * The gradient of sum(upsample(x) * r) written out: each output pixel's r added into its source pixel
 * (source index floor(dst * in / out)). Not resizeNearestNeighbor's gradient on cpu: wrong for batch > 1.
 */
function referenceGrad(shape: number[], r: Float32Array, h: number, w: number): Float32Array {
  const [n, ih, iw, c] = shape as [number, number, number, number];
  const g = new Float32Array(n * ih * iw * c);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let k = 0; k < c; k++) {
          const sy = Math.floor((y * ih) / h);
          const sx = Math.floor((x * iw) / w);
          g[((b * ih + sy) * iw + sx) * c + k]! += r[((b * h + y) * w + x) * c + k]!;
        }
  return g;
}

describe('upsampleNearest gradient', () => {
  it.each(sizes)(
    'is the scatter-add of the output gradient on cpu (2x3x4x5 -> %ix%i)',
    async (h, w) => {
      await selectBackend({ force: 'cpu' });
      tf.tidy(() => {
        const x = rand([2, 3, 4, 5], 1) as tf.Tensor4D;
        const ours = upGrad(upsampleNearest, x, h, w).dataSync() as Float32Array;
        const expected = referenceGrad(
          x.shape,
          rand([2, h, w, 5], 9).dataSync() as Float32Array,
          h,
          w,
        );
        expectClose([ours], [expected], 1e-6);
      });
    },
  );

  it.each(sizes)(
    'equals resizeNearestNeighbor and its gradient for one image on cpu (3x4 -> %ix%i)',
    async (h, w) => {
      await selectBackend({ force: 'cpu' });
      tf.tidy(() => {
        const x = rand([1, 3, 4, 5], 1) as tf.Tensor4D;
        const resize = (t: tf.Tensor4D, hh: number, ww: number): tf.Tensor4D =>
          tf.image.resizeNearestNeighbor(t, [hh, ww]);
        expect(Array.from(upsampleNearest(x, h, w).dataSync())).toEqual(
          Array.from(resize(x, h, w).dataSync()),
        );
        expectClose(
          [upGrad(upsampleNearest, x, h, w).dataSync() as Float32Array],
          [upGrad(resize, x, h, w).dataSync() as Float32Array],
          1e-6,
        );
      });
    },
  );

  it('matches central finite differences on cpu (3x4 -> 5x7)', async () => {
    await selectBackend({ force: 'cpu' });
    tf.tidy(() => {
      const x = rand([1, 3, 4, 2], 2) as tf.Tensor4D;
      const r = rand([1, 5, 7, 2], 3);
      const loss = (t: tf.Tensor): tf.Scalar =>
        tf.sum(tf.mul(tf.square(upsampleNearest(t as tf.Tensor4D, 5, 7)), r));
      const analytic = tf.grad(loss)(x).dataSync();
      const base = x.dataSync();
      const eps = 1e-2;
      for (let i = 0; i < base.length; i++) {
        const at = (d: number): number => {
          const v = Float32Array.from(base);
          v[i] = v[i]! + d;
          return loss(tf.tensor4d(v, x.shape)).dataSync()[0]!;
        };
        expect(analytic[i]!).toBeCloseTo((at(eps) - at(-eps)) / (2 * eps), 2);
      }
    });
  });

  it.each(sizes)('runs forward and backward on wasm like cpu (3x4 -> %ix%i)', async (h, w) => {
    const { wasm, cpu } = await onWasmAndCpu(() => {
      const x = rand([2, 3, 4, 5], 4) as tf.Tensor4D;
      return [upsampleNearest(x, h, w), upGrad(upsampleNearest, x, h, w)];
    });
    expectClose(wasm, cpu, 1e-6);
  });
});

describe('training through the FPN', () => {
  it('gives every FPN parameter a gradient, on wasm as on cpu', async () => {
    const { wasm, cpu } = await onWasmAndCpu(() => {
      const fpn = createFpn({ inChannels: [4, 8, 16, 32], outChannels: 8, seed: 3 });
      const shapes = [
        [2, 15, 13, 4],
        [2, 8, 7, 8],
        [2, 4, 4, 16],
        [2, 2, 2, 32],
      ];
      const feats = shapes.map((s, i) => rand(s, 10 + i) as tf.Tensor4D);
      const vars = [...fpn.params.values()].map((e) => e.variable);
      const { grads } = tf.variableGrads(
        () => tf.addN(fpn.forward(feats).map((o, i) => tf.mean(tf.mul(o, i + 1)))) as tf.Scalar,
        vars,
      );
      const out = vars.map((v) => grads[v.name]!);
      const norms = out.map((g) => tf.sum(tf.abs(g)));
      expect(out).toHaveLength(16);
      disposeStore(fpn.params);
      return [...out, tf.stack(norms)];
    });
    expectClose(wasm, cpu);
    expect(Math.min(...cpu[cpu.length - 1]!)).toBeGreaterThan(0);
  });
});
