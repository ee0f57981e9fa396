import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import { seededValues } from '../seeded-values.ts';
import { selectBackend } from '../select-backend.ts';

/** A tensor of seeded values in [-1, 1) on the active backend. */
export function rand(
  shape: number[],
  seed: number,
  dtype: 'float32' | 'int32' = 'float32',
): tf.Tensor {
  return tf.tensor(
    seededValues(
      shape.reduce((a, b) => a * b, 1),
      seed,
    ),
    shape,
    dtype,
  );
}

/**
 * Runs `run` on one backend and reads its outputs: `wasm` with this project's wasm kernels (the native ones
 * off), `native` (wasm with the native convolution kernels, which must be built), or plain `cpu`.
 */
export async function runOn(
  backend: 'wasm' | 'native' | 'cpu',
  run: () => tf.Tensor | tf.Tensor[],
): Promise<Float32Array[]> {
  if (backend === 'cpu') await selectBackend({ force: 'cpu' });
  else
    await selectBackend({ force: 'wasm', nativeKernels: backend === 'wasm' ? 'off' : 'require' });
  const out = tf.tidy(run);
  const list = Array.isArray(out) ? out : [out];
  const data = await Promise.all(list.map(async (t) => Float32Array.from(await t.data())));
  tf.dispose(list);
  return data;
}

/** Runs `run` on `backend` and on the plain cpu backend; returns both outputs. */
export async function onBackendAndCpu(
  backend: 'wasm' | 'native',
  run: () => tf.Tensor | tf.Tensor[],
): Promise<{ actual: Float32Array[]; cpu: Float32Array[] }> {
  return { actual: await runOn(backend, run), cpu: await runOn('cpu', run) };
}

/** Runs `run` on wasm and on the plain cpu backend; returns both outputs. */
export async function onWasmAndCpu(
  run: () => tf.Tensor | tf.Tensor[],
): Promise<{ wasm: Float32Array[]; cpu: Float32Array[] }> {
  return { wasm: await runOn('wasm', run), cpu: await runOn('cpu', run) };
}

/** Asserts same lengths and max |a - e| <= rtol * max(1, max |e|), per output. */
export function expectClose(actual: Float32Array[], expected: Float32Array[], rtol = 1e-4): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) => {
    const a = actual[i]!;
    expect(a.length).toBe(e.length);
    let diff = 0;
    let scale = 1;
    for (let j = 0; j < e.length; j++) {
      diff = Math.max(diff, Math.abs(a[j]! - e[j]!));
      scale = Math.max(scale, Math.abs(e[j]!));
    }
    expect(diff / scale, `output ${i}: max diff ${diff} at scale ${scale}`).toBeLessThanOrEqual(
      rtol,
    );
  });
}

/**
 * The filter a dilated convolution effectively applies: `w` [kh, kw, ...] with d - 1 zero rows and
 * columns between taps. A dilation-1 convolution with it equals the dilated one with `w`, which is how
 * the tests get cpu references for dilations (the cpu backend's gradients do not take them).
 */
export function spreadFilter(w: tf.Tensor4D, d: number): tf.Tensor4D {
  const [kh, kw, a, b] = w.shape;
  const data = w.arraySync();
  const out = tf.buffer([(kh - 1) * d + 1, (kw - 1) * d + 1, a, b]);
  for (let i = 0; i < kh; i++)
    for (let j = 0; j < kw; j++)
      for (let p = 0; p < a; p++)
        for (let q = 0; q < b; q++) out.set(data[i]![j]![p]![q]!, i * d, j * d, p, q);
  return out.toTensor() as tf.Tensor4D;
}

/** Picks taps back out of a gradient with respect to a spread filter. */
export function gatherTaps(g: tf.Tensor4D, d: number): tf.Tensor4D {
  return tf.stridedSlice(g, [0, 0, 0, 0], g.shape, [d, d, 1, 1]) as tf.Tensor4D;
}
