/**
 * A batched product `a x b` whose left operand is mostly zeros, for the wasm backend: RoIAlign's second stage
 * (each RoI's bilinear column weights `[P, w]`, about 2 non-zeros per row, times its rows `[w, P * C]`). The stock
 * wasm BatchMatMul runs batched products through a generic loop that multiplies every zero (≈ 2 GFLOP/s on
 * these shapes; 4-14 ms per image and level in a demo training step); here each non-zero of `a` is one
 * multiply-add of a row of `b`, straight on the wasm heap. On other backends {@link sparseLeftBatchMatMul}
 * is `tf.matMul`. `a` is treated as a constant: it gets no gradient.
 */
import * as tf from '@tensorflow/tfjs-core';
import { getKernel } from '@tensorflow/tfjs-core';
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { wasmKernel } from './kernel-util.ts';

/** Inputs a `[k, m, n]` (or `[k, n, m]` with `transposeA`), b `[k, n, q]`; output `[k, m, q]`. */
export const SparseBatchMatMulKernel = 'SweepsSparseBatchMatMul';

/** out[r] = a[r] x b[r] (or a[r]ᵀ x b[r]), skipping a's zeros; plain arrays, row-major. */
export function sparseBatchMatMulValues(
  a: Float32Array,
  b: Float32Array,
  out: Float32Array,
  [k, m, n, q]: readonly [number, number, number, number],
  transposeA: boolean,
): void {
  out.fill(0);
  // a[r] is read as m x n with strides (rowStride, colStride): (n, 1) as stored, (1, m) transposed.
  const rowStride = transposeA ? 1 : n;
  const colStride = transposeA ? m : 1;
  for (let r = 0; r < k; r++) {
    const aBase = r * m * n;
    const bBase = r * n * q;
    const oBase = r * m * q;
    for (let i = 0; i < m; i++) {
      const o = oBase + i * q;
      const aRow = aBase + i * rowStride;
      for (let j = 0; j < n; j++) {
        const v = a[aRow + j * colStride]!;
        if (v !== 0) axpy(out, o, v, b, bBase + j * q, q);
      }
    }
  }
}

/** y[yOff .. yOff+len) += v * x[xOff .. xOff+len). */
function axpy(
  y: Float32Array,
  yOff: number,
  v: number,
  x: Float32Array,
  xOff: number,
  len: number,
): void {
  for (let c = 0; c < len; c++) y[yOff + c] = y[yOff + c]! + v * x[xOff + c]!;
}

function sparseBatchMatMul(args: {
  inputs: Record<string, TensorInfo>;
  attrs: { transposeA?: boolean };
  backend: BackendWasm;
}): TensorInfo {
  const { backend } = args;
  const { a, b } = args.inputs as Record<'a' | 'b', TensorInfo>;
  const transposeA = args.attrs.transposeA === true;
  const [k, a1, a2] = a.shape as [number, number, number];
  const [kb, n, q] = b.shape as [number, number, number];
  const m = transposeA ? a2 : a1;
  if (kb !== k || (transposeA ? a1 : a2) !== n || a.dtype !== 'float32' || b.dtype !== 'float32') {
    throw new Error(
      `${SparseBatchMatMulKernel}: a ${JSON.stringify(a.shape)}${transposeA ? 'ᵀ' : ''} and b ${JSON.stringify(b.shape)} do not multiply (float32 only)`,
    );
  }
  const out = backend.makeOutput([k, m, q], 'float32');
  // Views are taken after makeOutput: an allocation can grow (and detach) the wasm memory.
  const view = (t: TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
  sparseBatchMatMulValues(view(a), view(b), view(out), [k, m, n, q], transposeA);
  return out;
}

/** The kernel on wasm. */
export const sparseBatchMatMulConfig: KernelConfig = wasmKernel(
  SparseBatchMatMulKernel,
  sparseBatchMatMul,
);

/**
 * `tf.matMul(a, b)` for `a` `[k, m, n]` with few non-zeros and `b` `[k, n, q]`, differentiable in `b` only
 * (`a` is a constant). Uses the sparse kernel where the active backend has it (wasm), `tf.matMul` elsewhere.
 */
export function sparseLeftBatchMatMul(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  if (getKernel(SparseBatchMatMulKernel, tf.getBackend()) === undefined) return tf.matMul(a, b);
  const product = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [aIn, bIn, save] = args as [tf.Tensor3D, tf.Tensor3D, tf.GradSaveFunc];
    save([aIn]);
    return {
      value: tf
        .engine()
        .runKernel(
          SparseBatchMatMulKernel,
          { a: aIn, b: bIn },
          { transposeA: false },
        ) as tf.Tensor3D,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [aSaved] = saved as [tf.Tensor3D];
        return [
          tf.zerosLike(aSaved),
          tf
            .engine()
            .runKernel(
              SparseBatchMatMulKernel,
              { a: aSaved, b: dy },
              { transposeA: true },
            ) as tf.Tensor,
        ];
      },
    };
  });
  return product(a, b) as tf.Tensor3D;
}
