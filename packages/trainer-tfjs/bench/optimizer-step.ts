/**
 * `npx tsx bench/optimizer-step.ts [--backend webgpu|wasm|cpu]`: one AdamW step over the demo detector's
 * parameters, as a trial takes it: how many kernels it runs (tf.profile) and its median wall time over 7
 * steps, each ended by reading a parameter back. On WebGPU the fused update kernels make it one kernel
 * per parameter; elsewhere it is the tf-op composition of src/optim/rules.ts.
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { parseBackendName, selectBackend } from '../src/backend/select-backend.ts';
import { DEMO } from '../src/bin/demo-train.ts';
import { createDemoTraining } from './detector-demo.ts';

const { values } = parseArgs({ options: { backend: { type: 'string' } } });
const backend = await selectBackend(
  values.backend === undefined ? {} : { force: parseBackendName(values.backend) },
);
const { detector, optimizer } = createDemoTraining();
const variables = Object.entries(detector.variables);
const grads = Object.fromEntries(variables.map(([name, v]) => [name, tf.onesLike(v)]));
optimizer.step(grads, DEMO.lr); // first step: state created, shaders compiled
const profile = await tf.profile(() => {
  optimizer.step(grads, DEMO.lr);
});
const probe = variables[0]![1];
await probe.data();
const times: number[] = [];
for (let i = 0; i < 7; i++) {
  const start = performance.now();
  optimizer.step(grads, DEMO.lr);
  await probe.data();
  times.push(performance.now() - start);
}
times.sort((a, b) => a - b);
process.stdout.write(
  `${JSON.stringify({
    name: 'optimizer-step-demo',
    backend: backend.name,
    device: backend.device,
    parameters: variables.length,
    kernels_per_step: profile.kernels.length,
    step_ms_median: Math.round(times[3]! * 10) / 10,
    step_ms_min: Math.round(times[0]! * 10) / 10,
  })}\n`,
);
process.exit(0); // a WebGPU device would keep the event loop alive
