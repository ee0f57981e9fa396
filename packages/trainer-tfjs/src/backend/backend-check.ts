import * as tf from '@tensorflow/tfjs-core';
import { pathToFileURL } from 'node:url';
import { batchNormTrain } from './wasm-kernels/batch-norm.ts';
import { seededValues } from './seeded-values.ts';
import {
  parseBackendName,
  selectBackend,
  type BackendName,
  type SelectedBackend,
} from './select-backend.ts';

/** The result of `checkBackendAgainstCpu`: per case, max |difference| / max(1, max |cpu value|). */
export interface BackendCheck {
  backend: SelectedBackend;
  maxRelDiff: Record<string, number>;
}

function input(shape: number[], seed: number): tf.Tensor {
  return tf.tensor(
    seededValues(
      shape.reduce((a, b) => a * b, 1),
      seed,
    ),
    shape,
  );
}

type Case = () => tf.Tensor[];

/** Small computations that exercise the kernels training uses, forward and backward. */
const cases: Record<string, Case> = {
  conv2d: () => [
    tf.conv2d(
      input([2, 8, 8, 3], 1) as tf.Tensor4D,
      input([3, 3, 3, 4], 2) as tf.Tensor4D,
      1,
      'same',
    ),
  ],
  conv2dGrads: () =>
    tf.grads((x: tf.Tensor, w: tf.Tensor) =>
      tf.sum(tf.square(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same'))),
    )([input([2, 9, 9, 3], 3), input([3, 3, 3, 4], 4)]),
  batchNormGrads: () =>
    tf.grads((x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
      tf.sum(
        tf.mul(batchNormTrain(x, g as tf.Tensor1D, b as tf.Tensor1D).y, input([2, 4, 4, 5], 5)),
      ),
    )([input([2, 4, 4, 5], 6), input([5], 7), input([5], 8)]),
  gatherGrad: () => [
    tf.grad((p: tf.Tensor) => tf.sum(tf.square(tf.gather(p, tf.tensor1d([1, 3, 3, 0], 'int32')))))(
      input([5, 3], 9),
    ),
  ],
  adamSteps: () => {
    const w = tf.variable(input([4, 3], 10));
    const optimizer = tf.train.adam(0.01);
    for (let i = 0; i < 2; i++)
      optimizer.minimize(
        () =>
          tf.mean(tf.square(tf.sub(tf.relu(tf.matMul(input([6, 4], 11), w)), 0.1))) as tf.Scalar,
      );
    const out = tf.clone(w);
    optimizer.dispose();
    w.dispose();
    return [out];
  },
};

function maxRelDiff(actual: Float32Array[], expected: Float32Array[]): number {
  let diff = 0;
  let scale = 1;
  expected.forEach((e, i) => {
    const a = actual[i]!;
    for (let j = 0; j < e.length; j++) {
      diff = Math.max(diff, Math.abs(a[j]! - e[j]!));
      scale = Math.max(scale, Math.abs(e[j]!));
    }
  });
  return diff / scale;
}

async function runAll(): Promise<Record<string, Float32Array[]>> {
  const out: Record<string, Float32Array[]> = {};
  for (const [name, run] of Object.entries(cases)) {
    const tensors = tf.tidy(run);
    out[name] = await Promise.all(tensors.map(async (t) => Float32Array.from(await t.data())));
    tf.dispose(tensors);
  }
  return out;
}

/**
 * Selects `backend` (forced), runs the cases on it and on the plain cpu backend and compares them.
 * A GPU node can run it as `tsx src/backend/backend-check.ts webgpu` before taking trials.
 */
export async function checkBackendAgainstCpu(backend: BackendName): Promise<BackendCheck> {
  const selected = await selectBackend({ force: backend });
  const results = await runAll();
  await selectBackend({ force: 'cpu' });
  const reference = await runAll();
  const diffs: Record<string, number> = {};
  for (const name of Object.keys(cases)) diffs[name] = maxRelDiff(results[name]!, reference[name]!);
  return { backend: selected, maxRelDiff: diffs };
}

/** CLI: `tsx src/backend/backend-check.ts <backend>` compares with cpu; `... auto` only selects. */
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const which = process.argv[2] ?? 'webgpu';
  const result =
    which === 'auto'
      ? await selectBackend()
      : await checkBackendAgainstCpu(parseBackendName(which));
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0); // Dawn's device keeps the event loop alive
}
