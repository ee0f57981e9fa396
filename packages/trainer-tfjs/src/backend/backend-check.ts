import * as tf from '@tensorflow/tfjs-core';
import { pathToFileURL } from 'node:url';
import { ADAMW_UPDATE_KERNEL, hasFusedUpdate } from '../optim/fused-update.ts';
import { createOptimizer } from '../optim/optimizer.ts';
import type { OptimizerConfig } from '../optim/types.ts';
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
  /** Whether the checked backend ran the optimizer cases through its fused update kernels. */
  fusedOptimizer: boolean;
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

/** Three steps of the project's optimizer on a small linear layer; returns the parameters after them. */
function optimizerSteps(config: OptimizerConfig): tf.Tensor[] {
  const w = tf.variable(input([5, 7], 12));
  const b = tf.variable(input([7], 13));
  const optimizer = createOptimizer(config, { 'head.weight': w, 'head.bias': b });
  for (let i = 0; i < 3; i++) {
    const { grads } = tf.variableGrads(
      () =>
        tf.mean(
          tf.square(tf.sub(tf.relu(tf.add(tf.matMul(input([6, 5], 14 + i), w), b)), 0.1)),
        ) as tf.Scalar,
      [w, b],
    );
    optimizer.step({ 'head.weight': grads[w.name]!, 'head.bias': grads[b.name]! }, config.lr);
    tf.dispose(Object.values(grads));
  }
  const out = [tf.clone(w), tf.clone(b)];
  optimizer.dispose();
  tf.dispose([w, b]);
  return out;
}

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
  adamwSteps: () => optimizerSteps({ name: 'AdamW', lr: 0.01, weight_decay: 0.05 }),
  sgdNesterovSteps: () =>
    optimizerSteps({ name: 'SGD', lr: 0.05, momentum: 0.9, nesterov: true, weight_decay: 1e-4 }),
  sgdDampeningSteps: () =>
    optimizerSteps({ name: 'SGD', lr: 0.05, momentum: 0.9, dampening: 0.1, weight_decay: 1e-4 }),
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
  const fusedOptimizer = hasFusedUpdate(ADAMW_UPDATE_KERNEL);
  const results = await runAll();
  await selectBackend({ force: 'cpu' });
  const reference = await runAll();
  const diffs: Record<string, number> = {};
  for (const name of Object.keys(cases)) diffs[name] = maxRelDiff(results[name]!, reference[name]!);
  return { backend: selected, maxRelDiff: diffs, fusedOptimizer };
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
