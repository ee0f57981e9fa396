/**
 * The TF.js part of scripts/gpu-check, run as a child process (a Vulkan driver is chosen when a process starts):
 * `tfjs-steps.ts --backend webgpu|cpu|wasm --size 64 --detector-scale 128 --batches 16,64 --steps 5`.
 * For the reference ResNet and the demo detector at each batch size: the trainer's own optimizer (AdamW, fused
 * into one kernel per parameter where the backend has the fused updates), the kernels one training step runs and
 * the optimizer's share of them (tf.profile), and train images/s from the median of `steps` timed steps. One JSON
 * line per model and batch on stdout, then `{"done": true}`.
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { demoTrainingSteps } from '../../packages/trainer-tfjs/bench/detector-demo.ts';
import { refResNetTraining, timeSteps } from '../../packages/trainer-tfjs/bench/ref-resnet.ts';
import {
  parseBackendName,
  selectBackend,
} from '../../packages/trainer-tfjs/src/backend/select-backend.ts';
import {
  ADAMW_UPDATE_KERNEL,
  hasFusedUpdate,
} from '../../packages/trainer-tfjs/src/optim/fused-update.ts';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'webgpu' },
    size: { type: 'string', default: '64' },
    'detector-scale': { type: 'string', default: '128' },
    batches: { type: 'string', default: '16,64' },
    steps: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
    models: { type: 'string', default: 'ref-resnet,detector-demo' },
  },
});

const whole = (name: string, text: string): number => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`--${name} must be a whole number >= 1, not "${text}"`);
  return n;
};
const size = whole('size', values.size);
const detectorScale = whole('detector-scale', values['detector-scale']);
const steps = whole('steps', values.steps);
const warmup = whole('warmup', values.warmup);
const batches = values.batches.split(',').map((b) => whole('batches', b));
const models = values.models.split(',');

const backend = await selectBackend({ force: parseBackendName(values.backend) });
const round = (x: number) => Math.round(x * 10) / 10;

interface Training {
  /** The parameters by the names the optimizer knows them by. */
  variables: Record<string, tf.Variable>;
  optimizer: { step(grads: Record<string, tf.Tensor>, lr: number): void; dispose(): void };
  trainStep(): Promise<void>;
  dispose(): void;
}

function training(model: string, batch: number): Training {
  if (model === 'ref-resnet') {
    const t = refResNetTraining(size, batch);
    const variables = t.model.variables as tf.Variable[];
    return {
      variables: Object.fromEntries(variables.map((v) => [v.name, v])),
      optimizer: t.optimizer,
      trainStep: t.trainStep,
      dispose: () => {
        tf.dispose([t.images, t.targets, ...variables]);
        t.optimizer.dispose();
      },
    };
  }
  if (model === 'detector-demo') {
    const t = demoTrainingSteps({ batchSize: batch, scale: detectorScale });
    return {
      variables: t.detector.variables as Record<string, tf.Variable>,
      optimizer: t.optimizer,
      trainStep: t.trainStep,
      dispose: () => {
        t.optimizer.dispose();
        t.detector.dispose();
      },
    };
  }
  throw new Error(`unknown model "${model}" (ref-resnet, detector-demo)`);
}

for (const model of models) {
  for (const batch of batches) {
    const t = training(model, batch);
    try {
      for (let i = 0; i < warmup; i++) await t.trainStep(); // state created, shaders compiled
      // tf.profile hands back the engine's one profile object: read each count before the next profile
      const stepKernels = (await tf.profile(() => t.trainStep())).kernels.length;
      const grads = Object.fromEntries(
        Object.entries(t.variables).map(([name, v]) => [name, tf.onesLike(v)]),
      );
      const optimizerKernels = (
        await tf.profile(() => {
          t.optimizer.step(grads, 1e-4);
        })
      ).kernels.length;
      tf.dispose(Object.values(grads));
      const times = await timeSteps(t.trainStep, 0, steps);
      process.stdout.write(
        `${JSON.stringify({
          model,
          batch,
          ...(model === 'ref-resnet' ? { size } : { scale: detectorScale }),
          backend: backend.name,
          device: backend.device,
          fused_optimizer: hasFusedUpdate(ADAMW_UPDATE_KERNEL),
          parameters: Object.keys(t.variables).length,
          kernels_per_step: stepKernels,
          optimizer_kernels_per_step: optimizerKernels,
          train_images_per_s: round(batch / times.median),
          step_ms_median: round(times.median * 1000),
          steps,
        })}\n`,
      );
    } finally {
      t.dispose();
    }
  }
}
process.stdout.write(`${JSON.stringify({ done: true })}\n`);
process.exit(0); // a WebGPU device would keep the event loop alive
