/**
 * `npx tsx bench/profile-step.ts [64|128|detector] [--steps 10] [--by-shape]` (in packages/trainer-tfjs): the CPU time of
 * each kernel in a training step of the reference ResNet (or of the demo detector), on the backend a trial would pick. Kernels that call
 * other kernels show them as `Outer>Inner` (the outer line includes the inner ones). CPU time of this process,
 * not wall-clock time, so that other processes on a shared core count less; `tf.profile` reports wall-clock
 * time. PyTorch's side: `python3 bench/ref_resnet_torch.py --profile --sizes 64`.
 */
import { parseArgs } from 'node:util';
import { getKernelsForBackend, registerKernel, unregisterKernel } from '@tensorflow/tfjs-core';
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { selectBackend } from '../src/backend/select-backend.ts';
import { DEMO } from '../src/bin/demo-train.ts';
import { demoTrainingSteps } from './detector-demo.ts';
import { refResNetTraining } from './ref-resnet.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { steps: { type: 'string', default: '10' }, 'by-shape': { type: 'boolean' } },
});
const size = positionals[0] === 'detector' ? DEMO.scale : Number(positionals[0] ?? 64);
const steps = Number(values.steps);

/** Milliseconds of CPU per kernel path, while `recording`. */
const spent = new Map<string, { ms: number; calls: number }>();
const stack: string[] = [];
let recording = false;

function timed(config: KernelConfig, byShape: boolean): KernelConfig {
  const inner = config.kernelFunc;
  return {
    ...config,
    kernelFunc: (args) => {
      if (!recording) return inner(args);
      stack.push(config.kernelName);
      const start = process.cpuUsage();
      try {
        return inner(args);
      } finally {
        const used = process.cpuUsage(start);
        const shapes = Object.values(args.inputs).map((t) => (t as TensorInfo).shape);
        const key = byShape ? `${stack.join('>')} ${JSON.stringify(shapes)}` : stack.join('>');
        stack.pop();
        const entry = spent.get(key) ?? { ms: 0, calls: 0 };
        entry.ms += (used.user + used.system) / 1000;
        entry.calls += 1;
        spent.set(key, entry);
      }
    },
  };
}

const backend = await selectBackend({});
for (const config of getKernelsForBackend(backend.name)) {
  unregisterKernel(config.kernelName, backend.name);
  registerKernel(timed(config, values['by-shape'] === true));
}
const detector = positionals[0] === 'detector';
const { trainStep: step } = detector ? demoTrainingSteps() : refResNetTraining(size, 16);
for (let i = 0; i < 3; i++) await step();
recording = true;
const start = process.cpuUsage();
for (let i = 0; i < steps; i++) await step();
const used = process.cpuUsage(start);
const outer = [...spent].filter(([k]) => !k.includes('>')).reduce((a, [, v]) => a + v.ms, 0);
console.log(
  `${detector ? 'detector-demo' : `ref-resnet-${size}`} on ${backend.name} (${backend.device}): a training step of ${detector ? DEMO.batchSize : 16} images takes ` +
    `${((used.user + used.system) / 1000 / steps).toFixed(1)} ms of CPU, ${(outer / steps).toFixed(1)} ms of it in kernels`,
);
for (const [key, v] of [...spent].sort((a, b) => b[1].ms - a[1].ms).slice(0, 30)) {
  console.log(
    `${(v.ms / steps).toFixed(2).padStart(8)} ms ${String(v.calls / steps).padStart(4)}x  ${key}`,
  );
}
