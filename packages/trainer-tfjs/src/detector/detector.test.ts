import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import '../backend/tfjs-gradients.ts';
import { loadBackboneWeights } from '../checkpoint/load.ts';
import { iterateBatches, type DetectionBatch } from '../data/batches.ts';
import { generateDetectionSet } from '../data/generate.ts';
import { loadCocoDataset } from '../data/load.ts';
import { createRng } from '../data/rng.ts';
import { createOptimizer } from '../optim/optimizer.ts';
import { createDetector, type Detector } from './detector.ts';
import { syntheticBatch } from './test-batch.ts';
import { TINY_DETECTOR } from './tiny-config.ts';

const batch = syntheticBatch(2, 64, 3, 1);

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('createDetector: parameters', () => {
  const d = createDetector(TINY_DETECTOR);
  afterAll(() => d.dispose());

  it('uses mmdet state-dict keys and torch shapes; frozen stages and BN buffers are not optimised', () => {
    const fc = 32;
    expect(d.params.get('roi_head.bbox_head.fc_cls.weight')!.torchShape).toEqual([4, fc]);
    expect(d.params.get('roi_head.bbox_head.fc_reg.weight')!.torchShape).toEqual([12, fc]);
    expect(d.params.get('roi_head.bbox_head.shared_fcs.0.weight')!.torchShape).toEqual([
      fc,
      8 * 7 * 7,
    ]);
    expect(d.params.get('rpn_head.rpn_cls.weight')!.torchShape).toEqual([3, 8, 1, 1]);
    expect(d.params.get('rpn_head.rpn_reg.weight')!.torchShape).toEqual([12, 8, 1, 1]);
    expect(d.params.has('neck.lateral_convs.3.conv.bias')).toBe(true);
    expect(d.params.has('backbone.layer4.1.bn2.running_var')).toBe(true);
    expect(Object.keys(d.variables).some((k) => k.startsWith('backbone.layer1.'))).toBe(false);
    expect(Object.keys(d.variables)).toContain('backbone.layer2.0.conv1.weight');
    expect(Object.keys(d.variables).some((k) => k.endsWith('running_mean'))).toBe(false);
    expect(d.roles['backbone.layer2.0.bn1.weight']).toEqual({ isNorm: true, isBias: false });
    expect(d.roles['rpn_head.rpn_conv.bias']).toEqual({ isNorm: false, isBias: true });
  });

  it('loads torchvision backbone weights through checkpoint/ (loadBackboneWeights)', async () => {
    const small = createDetector({ ...TINY_DETECTOR, backbone: { depth: 18, width: 1 / 32 } });
    const file = fileURLToPath(
      new URL('../../fixtures/checkpoint/r18w32-torchvision.safetensors', import.meta.url),
    );
    const result = await loadBackboneWeights(small.backbone, file, { log: () => {} });
    expect(result.missingKeys).toEqual([]);
    expect(result.loadedKeys.length).toBe(small.backbone.params.size);
    small.dispose();
  });
});

describe('createDetector: training (cpu backend)', () => {
  it('every trainable tensor gets a finite gradient; the four loss terms are finite', async () => {
    const d = createDetector(TINY_DETECTOR);
    const { grads, losses } = await d.computeGradients(batch, createRng(0));
    expect(Object.keys(grads).sort()).toEqual(Object.keys(d.variables).sort());
    for (const [key, g] of Object.entries(grads)) {
      expect(Number.isFinite(tf.sum(tf.abs(g)).dataSync()[0]), key).toBe(true);
    }
    expect(tf.sum(tf.abs(grads['backbone.layer2.0.conv1.weight']!)).dataSync()[0]).toBeGreaterThan(
      0,
    );
    for (const k of ['loss', 'loss_rpn_cls', 'loss_rpn_bbox', 'loss_cls', 'loss_bbox']) {
      expect(Number.isFinite(losses[k]), k).toBe(true);
      expect(losses[k]).toBeGreaterThan(0);
    }
    expect(losses['loss_rpn_cls']).toBeCloseTo(Math.log(2), 1); // Normal(0, 0.01) logits: BCE ~ ln 2
    expect(Math.abs(losses['loss_cls']! - Math.log(4))).toBeLessThan(0.3); // near-uniform over 3 classes + bg
    tf.dispose(Object.values(grads));
    d.dispose();
  }, 20_000);

  it('20 AdamW steps on one tiny batch lower the loss (backbone frozen to keep the cpu run short)', async () => {
    const d = createDetector({
      ...TINY_DETECTOR,
      backbone: { ...TINY_DETECTOR.backbone, frozenStages: 4 },
    });
    const opt = createOptimizer({ name: 'AdamW', lr: 2e-3, weight_decay: 1e-4 }, d.variables, {
      roles: d.roles,
    });
    const rng = createRng(7);
    const history: number[] = [];
    const before = tf.memory().numTensors;
    for (let step = 0; step < 20; step++) {
      const { grads, losses } = await d.computeGradients(batch, rng);
      opt.step(grads, 2e-3);
      tf.dispose(Object.values(grads));
      history.push(losses['loss']!);
    }
    expect(tf.memory().numTensors - before).toBeLessThanOrEqual(
      Object.keys(d.variables).length * 3,
    );
    expect(history.every(Number.isFinite)).toBe(true);
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    // Seen: 2.38 2.06 2.12 ... 1.06 1.11 1.09.
    expect(mean(history.slice(-3))).toBeLessThan(0.7 * mean(history.slice(0, 3)));
    opt.dispose();
    d.dispose();
  }, 30_000);
});

describe('createDetector: edge cases', () => {
  it('a step with proposals from trainingProposals (the webgpu path) equals the in-step one', async () => {
    const d = createDetector({
      ...TINY_DETECTOR,
      backbone: { ...TINY_DETECTOR.backbone, frozenStages: 4 },
    });
    const inStep = await d.computeGradients(batch, createRng(3));
    const proposals = await d.trainingProposals(batch);
    const given = await d.computeGradients(batch, createRng(3), { proposals });
    expect(given.losses).toEqual(inStep.losses);
    for (const [k, g] of Object.entries(inStep.grads))
      expect(Array.from(given.grads[k]!.dataSync())).toEqual(Array.from(g.dataSync()));
    tf.dispose([...Object.values(inStep.grads), ...Object.values(given.grads)]);
    d.dispose();
  });

  it('an image without objects contributes only negatives; the losses stay finite', async () => {
    const d = createDetector({
      ...TINY_DETECTOR,
      backbone: { ...TINY_DETECTOR.backbone, frozenStages: 4 },
    });
    const empty = {
      ...batch,
      boxes: [batch.boxes[0]!, new Float32Array(0)],
      labels: [batch.labels[0]!, new Int32Array(0)],
    };
    const { grads, losses } = await d.computeGradients(empty, createRng(2));
    for (const k of ['loss_rpn_cls', 'loss_rpn_bbox', 'loss_cls', 'loss_bbox'])
      expect(Number.isFinite(losses[k]), k).toBe(true);
    tf.dispose(Object.values(grads));
    d.dispose();
  }, 20_000);
});

describe('createDetector: with the data layer', () => {
  it('trains on and predicts for a batch of a generated COCO set (boxes in original pixels)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'detector-test-'));
    try {
      const set = generateDetectionSet({
        seed: 1,
        outDir: dir,
        trainImages: 2,
        valImages: 1,
        minSize: 64,
        maxSize: 96,
      });
      const ds = loadCocoDataset(set.splits.train);
      const b = iterateBatches(ds, {
        batchSize: 2,
        scale: 64,
        flipProb: 0.5,
        shuffle: true,
        seed: 1,
      }).next().value as DetectionBatch;
      const d = createDetector({
        ...TINY_DETECTOR,
        numClasses: ds.categories.length,
        backbone: { ...TINY_DETECTOR.backbone, frozenStages: 4 },
      });
      const { grads, losses } = await d.computeGradients(b, createRng(0));
      expect(Number.isFinite(losses['loss'])).toBe(true);
      tf.dispose(Object.values(grads));
      const images = tf.tensor4d(b.images, b.shape);
      const metas = b.imgShapes.map((imgShape, i) => ({
        imgShape,
        scaleFactor: b.scaleFactors[i]!,
      }));
      const detections = await d.predictAsync(images, metas);
      const widths = b.imageIds.map((id) => ds.images.find((im) => im.id === id)!.width);
      detections.forEach((list, i) => {
        list.forEach((det) => {
          expect(det.bbox[0] + det.bbox[2]).toBeLessThanOrEqual(widths[i]! + 1e-3);
        });
      });
      images.dispose();
      d.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 20_000);
});

describe('createDetector: predict', () => {
  let d: Detector;
  beforeAll(() => {
    d = createDetector(TINY_DETECTOR);
  });
  afterAll(() => d.dispose());

  it('gives at most 100 COCO-style detections per image, scores above 0.05, sorted', async () => {
    const images = tf.tensor4d(batch.images, batch.shape);
    const before = tf.memory().numTensors;
    const detections = await d.predictAsync(images, batch.metas);
    expect(d.predict(images, batch.metas)).toEqual(detections);
    expect(tf.memory().numTensors).toBe(before);
    expect(detections).toHaveLength(2);
    for (const list of detections) {
      expect(list.length).toBeGreaterThan(0);
      expect(list.length).toBeLessThanOrEqual(100);
      list.forEach((det, i) => {
        expect(det.bbox).toHaveLength(4);
        expect(det.bbox[2]).toBeGreaterThanOrEqual(0);
        expect(det.bbox[0] + det.bbox[2]).toBeLessThanOrEqual(64 + 1e-4);
        expect(det.score).toBeGreaterThan(0.05);
        expect(Number.isInteger(det.label) && det.label >= 0 && det.label < 3).toBe(true);
        if (i > 0) expect(det.score).toBeLessThanOrEqual(list[i - 1]!.score);
      });
    }
    images.dispose();
  });

  it('maps boxes back to the original image through the scale factors', () => {
    const images = tf.tensor4d(batch.images, batch.shape);
    const half = batch.metas.map((m) => ({ ...m, scaleFactor: [0.5, 0.25] as [number, number] }));
    const [a, b] = [d.predict(images, batch.metas)[0]!, d.predict(images, half)[0]!];
    expect(b.length).toBe(a.length);
    expect(b[0]!.bbox).toEqual(
      [a[0]!.bbox[0] * 2, a[0]!.bbox[1] * 4, a[0]!.bbox[2] * 2, a[0]!.bbox[3] * 4].map((v) =>
        expect.closeTo(v, 4),
      ),
    );
    images.dispose();
  });
});
