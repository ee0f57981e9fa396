/**
 * Measures a detector training step (forward + backward + optimizer step) on a chosen backend:
 *   npx tsx packages/trainer-tfjs/src/detector/bin/step-time.ts [--backend cpu|wasm|webgpu] [--size 128]
 *     [--batch 2] [--steps 5] [--tiny]
 * `--tiny` uses the unit tests' tiny widths instead of the demo config. Prints JSON lines.
 */
import { parseArgs } from 'node:util';

import * as tf from '@tensorflow/tfjs-core';

import { parseBackendName, selectBackend } from '../../backend/select-backend.ts';
import { createRng } from '../../data/rng.ts';
import { createOptimizer } from '../../optim/optimizer.ts';
import { createDetector } from '../detector.ts';
import { syntheticBatch } from '../test-batch.ts';
import { TINY_DETECTOR } from '../tiny-config.ts';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    size: { type: 'string', default: '128' },
    batch: { type: 'string', default: '2' },
    steps: { type: 'string', default: '5' },
    tiny: { type: 'boolean', default: false },
  },
});

const selected = await selectBackend({ force: parseBackendName(values.backend) });
const size = Number(values.size);
const detector = createDetector(values.tiny ? TINY_DETECTOR : {});
const batch = syntheticBatch(Number(values.batch), size, detector.config.numClasses, 1);
const optimizer = createOptimizer(
  { name: 'AdamW', lr: 1e-3, weight_decay: 0.05 },
  detector.variables,
  { roles: detector.roles },
);
const rng = createRng(0);
console.log(
  JSON.stringify({ backend: selected.device, size, batch: batch.shape[0], tiny: values.tiny }),
);
for (let step = 0; step < Number(values.steps); step++) {
  const t0 = performance.now();
  const { grads, losses } = await detector.computeGradients(batch, rng);
  const t1 = performance.now();
  optimizer.step(grads, 1e-3);
  tf.dispose(Object.values(grads));
  const t2 = performance.now();
  const ms = { forwardBackward: Math.round(t1 - t0), optimizer: Math.round(t2 - t1) };
  console.log(JSON.stringify({ step, ms, losses, tensors: tf.memory().numTensors }));
}
const t0 = performance.now();
const images = tf.tensor4d(batch.images, batch.shape);
const detections = await detector.predictAsync(images, batch.metas);
console.log(
  JSON.stringify({
    predictMs: Math.round(performance.now() - t0),
    detections: detections.map((d) => d.length),
  }),
);
images.dispose();
optimizer.dispose();
detector.dispose();
