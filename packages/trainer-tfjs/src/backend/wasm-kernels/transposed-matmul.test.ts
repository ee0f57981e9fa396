import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';

import { selectBackend } from '../select-backend.ts';
import { registerWasmTrainingKernels } from './index.ts';
import { testNative } from '../../testing/native.ts';
import { expectClose, onBackendAndCpu, onWasmAndCpu, rand } from './test-util.ts';

interface Case {
  a: number[];
  b: number[];
  ta: boolean;
  tb: boolean;
}

/** Rank 2 and 3 with batch 1 (the wrapped path) and a batched product (passed through), every flag pair. */
const cases: Case[] = [
  ...[
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ].map(([ta, tb]) => ({
    a: ta ? [7, 5] : [5, 7],
    b: tb ? [3, 7] : [7, 3],
    ta: ta!,
    tb: tb!,
  })),
  { a: [1, 9, 4], b: [1, 9, 6], ta: true, tb: false },
  { a: [1, 4, 9], b: [1, 6, 9], ta: false, tb: true },
  { a: [3, 9, 4], b: [3, 6, 9], ta: true, tb: true },
];

/** A product of seeded operands and its gradients for both (through a seeded weighting of the output). */
function matMulAndGrads(c: Case): tf.Tensor[] {
  const f = (x: tf.Tensor, y: tf.Tensor): tf.Tensor => tf.matMul(x, y, c.ta, c.tb);
  const a = rand(c.a, 1);
  const b = rand(c.b, 2);
  const r = rand(f(a, b).shape, 3);
  return [f(a, b), ...tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(f(x, y), r)))([a, b])];
}

/** Broadcast batches: values only (tfjs' matMul gradient does not reduce broadcast batch dimensions). */
const broadcast: Case[] = [
  { a: [2, 1, 4, 9], b: [1, 3, 9, 5], ta: false, tb: false },
  { a: [1, 9, 4], b: [2, 5, 9], ta: true, tb: true },
];

describe('wasm BatchMatMul / _FusedMatMul with transposed operands', () => {
  it.each(cases)(
    'matMul and its gradients match cpu: $a x $b, transposeA $ta, transposeB $tb',
    async (c) => {
      const { wasm, cpu } = await onWasmAndCpu(() => matMulAndGrads(c));
      expectClose(wasm, cpu, 1e-5);
    },
  );

  it.each(broadcast)(
    'matMul with broadcast batches matches cpu: $a x $b, transposeA $ta, transposeB $tb',
    async (c) => {
      const { wasm, cpu } = await onWasmAndCpu(() =>
        tf.matMul(rand(c.a, 1), rand(c.b, 2), c.ta, c.tb),
      );
      expectClose(wasm, cpu, 1e-5);
    },
  );

  // Batch 1 only: the stock wasm kernel's generic loop (batched products) adds the bias at a wrong index for
  // rows after the first, a tfjs 4.22 bug this project does not reach (it has no batched fused matMul).
  it.each(cases.slice(0, 6))(
    'fused matMul (bias, relu) matches cpu: $a x $b, transposeA $ta, transposeB $tb',
    async (c) => {
      const { wasm, cpu } = await onWasmAndCpu(() => {
        const a = rand(c.a, 4);
        const b = rand(c.b, 5);
        const n = c.tb ? c.b[c.b.length - 2]! : c.b[c.b.length - 1]!;
        const bias = rand([n], 6);
        const f = (x: tf.Tensor, y: tf.Tensor): tf.Tensor =>
          tf.fused.matMul({
            a: x,
            b: y,
            transposeA: c.ta,
            transposeB: c.tb,
            bias,
            activation: 'relu',
          });
        const r = rand(f(a, b).shape, 7);
        return [
          f(a, b),
          ...tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(f(x, y), r)))([a, b]),
        ];
      });
      expectClose(wasm, cpu, 1e-5);
    },
  );

  it('wraps the stock kernels once and leaves no backend data behind', async () => {
    await selectBackend({ force: 'wasm', nativeKernels: 'off' });
    expect(registerWasmTrainingKernels()).toEqual([]);
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const a = rand([64, 32], 8) as tf.Tensor2D;
    const b = rand([64, 16], 9) as tf.Tensor2D;
    const bias = rand([32], 10);
    const before = backend.numDataIds();
    tf.matMul(a, b, true, false).dispose();
    tf.matMul(a, a, true, false).dispose();
    tf.matMul(a, a, false, true).dispose();
    tf.fused.matMul({ a: b, b: a, transposeA: true, bias, activation: 'relu' }).dispose();
    expect(backend.numDataIds()).toBe(before);
    tf.dispose([a, b, bias]);
  });
});

/** The native BatchMatMul (oneDNN sgemm) on the same cases, plus a broadcast it hands back to wasm. */
describe.skipIf(!testNative)('native BatchMatMul', () => {
  it.each(cases)(
    'matMul and its gradients match cpu: $a x $b, transposeA $ta, transposeB $tb',
    async (c) => {
      const { actual, cpu } = await onBackendAndCpu('native', () => matMulAndGrads(c));
      expectClose(actual, cpu, 1e-5);
    },
  );

  it.each([...broadcast, { a: [4, 13, 6], b: [1, 13, 5], ta: true, tb: false }])(
    'matMul with broadcast batches matches cpu: $a x $b, transposeA $ta, transposeB $tb',
    async (c) => {
      const { actual, cpu } = await onBackendAndCpu('native', () =>
        tf.matMul(rand(c.a, 1), rand(c.b, 2), c.ta, c.tb),
      );
      expectClose(actual, cpu, 1e-5);
    },
  );

  it('gives an empty product and a zero one (k = 0) without calling the library', async () => {
    const [empty, zeros] = await onBackendAndCpu('native', () => [
      tf.matMul(tf.ones([0, 3]), tf.ones([3, 4])),
      tf.matMul(tf.ones([2, 0]), tf.ones([0, 3])),
    ]).then((r) => r.actual);
    expect(empty).toHaveLength(0);
    expect(Array.from(zeros!)).toEqual([0, 0, 0, 0, 0, 0]);
  });
});
