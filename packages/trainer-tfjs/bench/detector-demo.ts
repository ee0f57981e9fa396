/**
 * The `detector-demo` bench entry: training and inference images/s of the default demo detector (the one
 * `npm run demo:train` fine-tunes: demo preset, its classes, scale and batch size) on generated demo images.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import * as tf from '@tensorflow/tfjs-core';

import { DEMO } from '../src/bin/demo-train.ts';
import {
  generateDetectionSet,
  iterateBatches,
  loadCocoDataset,
  type DetectionBatch,
} from '../src/data/index.ts';
import { createDetector } from '../src/detector/index.ts';
import { createOptimizer } from '../src/optim/optimizer.ts';
import { createRng } from '../src/data/rng.ts';
import { detectorOverrides } from '../src/trainer/detection-task.ts';
import { peakRssMb, timeSteps, type BenchLine, type BenchOptions } from './ref-resnet.ts';

/** Demo images written for the bench (a few batches, cycled). */
const BENCH_IMAGES = 32;

/** The demo's batch size and image scale unless a caller (scripts/gpu/tfjs-steps.ts) asks for others. */
export interface DemoShape {
  batchSize: number;
  scale: number;
}

function demoBatches(dir: string, shape: DemoShape): DetectionBatch[] {
  generateDetectionSet({
    seed: 1,
    outDir: dir,
    ...DEMO.data,
    trainImages: Math.max(BENCH_IMAGES, shape.batchSize),
    valImages: 0,
  });
  const ds = loadCocoDataset({
    imagesDir: path.join(dir, 'train'),
    annotationsFile: path.join(dir, 'annotations', 'instances_train.json'),
  });
  return [
    ...iterateBatches(ds, {
      batchSize: shape.batchSize,
      scale: shape.scale,
      flipProb: 0.5,
      shuffle: true,
      seed: 0,
      epoch: 0,
    }),
  ].filter((b) => b.shape[0] === shape.batchSize);
}

/** The demo detector (the one `npm run demo:train` fine-tunes) and its AdamW optimizer, as a trial sets them up. */
export function createDemoTraining(scale = DEMO.scale) {
  const detector = createDetector(
    {
      ...detectorOverrides(DEMO.detector),
      numClasses: DEMO.data.classes.length,
      imageScale: scale,
    },
    'demo',
  );
  const optimizer = createOptimizer(
    { name: 'AdamW', lr: DEMO.lr, weight_decay: DEMO.weightDecay },
    detector.variables,
    { roles: detector.roles },
  );
  return { detector, optimizer };
}

/** The demo detector's training step (forward, backward, AdamW) on generated demo batches, cycled. */
export function demoTrainingSteps(
  shape: DemoShape = { batchSize: DEMO.batchSize, scale: DEMO.scale },
) {
  const dir = mkdtempSync(path.join(tmpdir(), 'sweeps-bench-detector-'));
  const batches = demoBatches(dir, shape);
  rmSync(dir, { recursive: true, force: true });
  const { detector, optimizer } = createDemoTraining(shape.scale);
  const rng = createRng(0);
  let next = 0;
  const batch = () => batches[next++ % batches.length]!;
  const trainStep = async (): Promise<void> => {
    const { grads } = await detector.computeGradients(batch(), rng);
    optimizer.step(grads, DEMO.lr);
    tf.dispose(Object.values(grads));
  };
  return { detector, optimizer, batch, trainStep };
}

/** Times demo training steps (forward, backward, AdamW) and inference (predictAsync) at the demo's batch size. */
export async function benchDetectorDemo(
  backend: string,
  options: BenchOptions = {},
): Promise<BenchLine> {
  const { detector, optimizer, batch, trainStep } = demoTrainingSteps();
  const inferStep = async (): Promise<void> => {
    const b = batch();
    const images = tf.tensor4d(b.images, b.shape);
    try {
      await detector.predictAsync(
        images,
        b.imgShapes.map((imgShape, i) => ({ imgShape, scaleFactor: b.scaleFactors[i]! })),
      );
    } finally {
      images.dispose();
    }
  };
  try {
    const trainSteps = options.trainSteps ?? 12;
    const train = await timeSteps(trainStep, options.warmupSteps ?? 3, trainSteps);
    const inference = await timeSteps(
      inferStep,
      options.warmupSteps ?? 3,
      options.inferenceSteps ?? trainSteps,
    );
    const n = DEMO.batchSize;
    return {
      name: 'detector-demo',
      backend,
      train_images_per_s: round(n / train.median),
      inference_images_per_s: round(n / inference.median),
      peak_rss_mb: peakRssMb(),
      batch: n,
      scale: DEMO.scale,
      classes: DEMO.data.classes.length,
      train_images_per_s_mean: round(n / train.mean),
      inference_images_per_s_mean: round(n / inference.mean),
      train_images_per_cpu_s: round(n / train.cpu),
      inference_images_per_cpu_s: round(n / inference.cpu),
    };
  } finally {
    optimizer.dispose();
    detector.dispose();
  }
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
