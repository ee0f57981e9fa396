import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { seededValues } from '../seeded-values.ts';
import { sparseBatchMatMulValues, sparseLeftBatchMatMul } from './sparse-batch-matmul.ts';
import { expectClose, onWasmAndCpu, rand, runOn } from './test-util.ts';

/** A [k, m, n] tensor with about `density` of its entries non-zero (seeded). */
function sparse(shape: [number, number, number], seed: number, density = 0.2): tf.Tensor3D {
  const v = seededValues(shape[0] * shape[1] * shape[2], seed);
  return tf.tensor3d(
    v.map((x) => (Math.abs(x) < density ? x / density : 0)),
    shape,
  );
}

describe('sparse batched matMul (RoIAlign stage 2)', () => {
  it('multiplies plain arrays, transposed or not, skipping zeros', () => {
    const a = Float32Array.from([1, 0, 0, 2, 0, 3]); // [1, 2, 3]
    const b = Float32Array.from([1, 2, 3, 4, 5, 6]); // [1, 3, 2]
    const out = new Float32Array(4);
    sparseBatchMatMulValues(a, b, out, [1, 2, 3, 2], false);
    expect(Array.from(out)).toEqual([1, 2, 2 * 1 + 3 * 5, 2 * 2 + 3 * 6]);
    const at = Float32Array.from([1, 2, 0, 0, 0, 3]); // [1, 3, 2] = the same a transposed
    sparseBatchMatMulValues(at, b, out, [1, 2, 3, 2], true);
    expect(Array.from(out)).toEqual([1, 2, 2 * 1 + 3 * 5, 2 * 2 + 3 * 6]);
  });

  it('matches tf.matMul on cpu, value and gradient in b', async () => {
    const run = () => {
      const a = sparse([5, 7, 9], 1);
      const b = rand([5, 9, 6], 2) as tf.Tensor3D;
      const dy = rand([5, 7, 6], 3);
      const grad = tf.grad((x: tf.Tensor) =>
        tf.sum(tf.mul(sparseLeftBatchMatMul(a, x as tf.Tensor3D), dy)),
      )(b);
      return [sparseLeftBatchMatMul(a, b), grad];
    };
    const { wasm, cpu } = await onWasmAndCpu(run);
    expectClose(wasm, cpu, 1e-5);
    const [reference] = await runOn('cpu', () =>
      tf.matMul(sparse([5, 7, 9], 1), rand([5, 9, 6], 2) as tf.Tensor3D),
    );
    expectClose([wasm[0]!], [reference!], 1e-5);
  });
});
