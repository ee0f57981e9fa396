import { readFileSync } from 'node:fs';

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';

import '../backend/tfjs-gradients.ts';
import { roiAlign, roiAlignWeights } from './roi-align.ts';

interface RoiAlignFixture {
  features: { shape: [number, number, number, number]; values: number[] };
  rois: number[][];
  cases: Array<{
    name: string;
    output_size: number;
    spatial_scale: number;
    sampling_ratio: number;
    output: number[];
    upstream: number[];
    grad: number[];
  }>;
}

const f = JSON.parse(
  readFileSync(new URL('../../fixtures/detector/roi_align.json', import.meta.url), 'utf8'),
) as RoiAlignFixture;

const boxes = Float32Array.from(f.rois.flatMap((r) => r.slice(1)));
const batchIndex = f.rois.map((r) => r[0] as number);

function maxAbsDiff(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++)
    worst = Math.max(worst, Math.abs((actual[i] as number) - (expected[i] as number)));
  return worst;
}

/** The fixture's rows in `order` (roiAlign groups rows by image). */
function reorder(values: number[], order: number[], rowSize: number): Float32Array {
  const out = new Float32Array(values.length);
  order.forEach((src, row) => {
    out.set(values.slice(src * rowSize, (src + 1) * rowSize), row * rowSize);
  });
  return out;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('roiAlign against torchvision.ops.roi_align(aligned=True) (fixtures/detector/roi_align.json)', () => {
  for (const c of f.cases) {
    it(`${c.name}: forward and the gradient with respect to the features`, () => {
      const config = { outputSize: c.output_size, samplingRatio: c.sampling_ratio };
      const x = tf.tensor4d(f.features.values, f.features.shape);
      const rowSize = c.output_size * c.output_size * (f.features.shape[3] as number);
      const { pooled, order } = roiAlign(x, boxes, batchIndex, c.spatial_scale, config);
      expect(pooled.shape).toEqual([
        f.rois.length,
        c.output_size,
        c.output_size,
        f.features.shape[3],
      ]);
      expect(maxAbsDiff(pooled.dataSync(), reorder(c.output, order, rowSize))).toBeLessThan(1e-5);
      const upstream = tf.tensor(reorder(c.upstream, order, rowSize), pooled.shape);
      const grad = tf.grad((t: tf.Tensor) =>
        tf.sum(
          tf.mul(
            roiAlign(t as tf.Tensor4D, boxes, batchIndex, c.spatial_scale, config).pooled,
            upstream,
          ),
        ),
      )(x);
      expect(maxAbsDiff(grad.dataSync(), c.grad)).toBeLessThan(1e-5);
      tf.dispose([x, pooled, upstream, grad]);
    });
  }

  it('bins of a box fully inside the map sum to 1 along each axis; outside samples are dropped', () => {
    const { wy, wx } = roiAlignWeights(Float32Array.of(2, 2, 10, 10, 40, 40, 60, 60), 1, [16, 16], {
      outputSize: 2,
      samplingRatio: 0,
    });
    const rowSum = (m: Float32Array, row: number) =>
      m.slice(row * 16, row * 16 + 16).reduce((s, v) => s + v, 0);
    expect(rowSum(wy, 0)).toBeCloseTo(1, 6);
    expect(rowSum(wx, 1)).toBeCloseTo(1, 6);
    expect(rowSum(wy, 2)).toBe(0);
    expect(rowSum(wx, 3)).toBe(0);
  });
});
