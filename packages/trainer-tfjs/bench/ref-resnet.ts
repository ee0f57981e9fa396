import * as tf from '@tensorflow/tfjs-core';
import { buildRefResNet } from './ref-resnet-model.ts';
import { createOptimizer } from '../src/optim/optimizer.ts';

/** One benchmark line, as `npm run bench:trainer -- --json` prints it (extra fields after the issue's). */
export interface BenchLine {
  name: string;
  backend: string;
  train_images_per_s: number;
  inference_images_per_s: number;
  peak_rss_mb: number;
  train_gflop_s?: number;
  inference_gflop_s?: number;
  device?: string;
  [extra: string]: unknown;
}

/** How long to run one benchmark entry. */
export interface BenchOptions {
  /** Images per step; default 16 (the reference). */
  batch?: number;
  /** Untimed steps first (kernel and operator caches); default 3. */
  warmupSteps?: number;
  /** Timed training steps; default chosen per image size. */
  trainSteps?: number;
  /** Timed inference batches; default twice trainSteps. */
  inferenceSteps?: number;
}

export function peakRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

/** Per-step timings of `steps` calls of `step`, after `warmup` untimed ones. */
export interface StepTimes {
  /** Median wall-clock seconds of one step: robust to other processes taking the core for a while. */
  median: number;
  /** Mean wall-clock seconds of one step. */
  mean: number;
  /** Mean CPU seconds (user + system) of this process per step: what the step costs on a free core. */
  cpu: number;
}

export async function timeSteps(
  step: () => Promise<void>,
  warmup: number,
  steps: number,
): Promise<StepTimes> {
  for (let i = 0; i < warmup; i++) await step();
  const times: number[] = [];
  const cpuStart = process.cpuUsage();
  for (let i = 0; i < steps; i++) {
    const start = performance.now();
    await step();
    times.push((performance.now() - start) / 1000);
  }
  const cpu = process.cpuUsage(cpuStart);
  times.sort((a, b) => a - b);
  const middle = times.length >> 1;
  const median =
    times.length % 2 === 1 ? times[middle]! : (times[middle - 1]! + times[middle]!) / 2;
  return {
    median,
    mean: times.reduce((a, b) => a + b, 0) / times.length,
    cpu: (cpu.user + cpu.system) / 1e6 / steps,
  };
}

/**
 * The reference ResNet, a random batch of `batch` images at `size` px with multi-label targets, Adam 1e-3 (the
 * trainer's AdamW without weight decay), and one
 * training step (forward, BCE with logits, backward, update) that waits for the loss to be read.
 */
export function refResNetTraining(size: number, batch: number) {
  const model = buildRefResNet();
  const images = tf.randomNormal([batch, size, size, 3]) as tf.Tensor4D;
  const targets = tf.cast(tf.greater(tf.randomUniform([batch, 10]), 0.5), 'float32');
  // The trainer's own optimizer (what a trial uses): AdamW without weight decay is torch.optim.Adam's step, the
  // one the PyTorch reference takes (tf.train.adam adds epsilon differently). Where the backend has fused updates
  // (native kernels, WebGPU) it is one kernel per parameter.
  const variables = model.variables as tf.Variable[];
  const optimizer = createOptimizer(
    { name: 'AdamW', lr: 1e-3, weight_decay: 0 },
    Object.fromEntries(variables.map((v) => [v.name, v])),
  );
  // Reads go through data(), not dataSync(): WebGPU in Node cannot read synchronously.
  const trainStep = async (): Promise<void> => {
    const { value: loss, grads } = tf.variableGrads(
      () => tf.losses.sigmoidCrossEntropy(targets, model.apply(images, true)) as tf.Scalar,
      variables,
    );
    optimizer.step(grads, 1e-3);
    tf.dispose(Object.values(grads));
    await loss.data();
    loss.dispose();
  };
  return { model, images, targets, optimizer, trainStep };
}

/**
 * Trains the reference ResNet (Adam 1e-3, sigmoid BCE on random 10-way multi-label targets) on random
 * `size` x `size` images on the current backend, then times inference; reports images/s (from the
 * median step time; the mean-based figure too) and the achieved convolution+matmul GFLOP/s (training
 * counted as 3x the forward FLOPs).
 */
export async function benchRefResNet(
  size: number,
  backend: string,
  options: BenchOptions = {},
): Promise<BenchLine> {
  const batch = options.batch ?? 16;
  const trainSteps = options.trainSteps ?? Math.max(6, Math.round(24 * (64 / size) ** 2));
  const inferenceSteps = options.inferenceSteps ?? trainSteps * 2;
  const warmup = options.warmupSteps ?? 3;
  const { model, images, targets, optimizer, trainStep } = refResNetTraining(size, batch);
  const inferStep = async (): Promise<void> => {
    const logits = tf.tidy(() => model.apply(images, false));
    await logits.data();
    logits.dispose();
  };
  const train = await timeSteps(trainStep, warmup, trainSteps);
  const inference = await timeSteps(inferStep, warmup, inferenceSteps);
  const flops = model.forwardFlopsPerImage(size);
  const trainRate = batch / train.median;
  const inferRate = batch / inference.median;
  tf.dispose([images, targets, ...model.variables]);
  optimizer.dispose();
  return {
    name: `ref-resnet-${size}`,
    backend,
    train_images_per_s: round(trainRate),
    inference_images_per_s: round(inferRate),
    peak_rss_mb: peakRssMb(),
    train_gflop_s: round((trainRate * 3 * flops) / 1e9),
    inference_gflop_s: round((inferRate * flops) / 1e9),
    forward_mflop_per_image: round(flops / 1e6),
    train_images_per_s_mean: round(batch / train.mean),
    inference_images_per_s_mean: round(batch / inference.mean),
    train_images_per_cpu_s: round(batch / train.cpu),
    inference_images_per_cpu_s: round(batch / inference.cpu),
  };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
