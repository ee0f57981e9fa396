/**
 * The `detection` task: Faster R-CNN from `src/detector` trained on a COCO set from `data/` (MMDetection's
 * pipeline: keep-ratio resize, flip 0.5), evaluated on the val split after every epoch with `@sweeps/coco-eval`
 * (numbers identical to pycocotools): `bbox_mAP` = stats[0], `bbox_mAP_50`, `bbox_mAP_75`, `bbox_mAP_s/m/l`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { evaluate, parseGroundTruth, type CocoDetection } from '@sweeps/coco-eval';
import { PermanentTrialError } from '@sweeps/core';
import * as tf from '@tensorflow/tfjs-core';

import { iterateBatches, type DetectionBatch } from '../data/batches.ts';
import { DatasetError } from '../data/errors.ts';
import { loadCocoDataset, type CocoDataset } from '../data/load.ts';
import {
  backendReadsSync,
  createDetector,
  type Detector,
  type DetectorConfigOverrides,
  type Proposals,
} from '../detector/index.ts';
import { applyBnUpdates, type BnUpdate } from '../model/layers.ts';
import type { TrainTask } from '../train/task.ts';
import type { DetectorOptions, RunPlan } from './options.ts';
import { initBackbone } from './tasks.ts';

/** The metric names reported per epoch, in COCO's stats order (the first six). */
export const BBOX_METRICS = [
  'bbox_mAP',
  'bbox_mAP_50',
  'bbox_mAP_75',
  'bbox_mAP_s',
  'bbox_mAP_m',
  'bbox_mAP_l',
] as const;

function loadSplit(dataDir: string, split: 'train' | 'val', limit?: number): CocoDataset {
  try {
    const ds = loadCocoDataset({
      imagesDir: path.join(dataDir, split),
      annotationsFile: path.join(dataDir, 'annotations', `instances_${split}.json`),
    });
    return limit === undefined ? ds : { ...ds, images: ds.images.slice(0, limit) };
  } catch (err) {
    if (err instanceof DatasetError)
      throw new PermanentTrialError(`detection data: ${err.message}`, 'invalid');
    throw err;
  }
}

/** `trainer.options.detector` as preset overrides (absent settings stay the preset's). */
export function detectorOverrides(d: DetectorOptions = {}): DetectorConfigOverrides {
  const proposals = (n: number | undefined) => (n === undefined ? undefined : { maxPerImg: n });
  const rpn = {
    sampler: d.rpn_samples === undefined ? undefined : { num: d.rpn_samples },
    train: proposals(d.train_proposals),
    test: proposals(d.test_proposals),
  };
  const sampler =
    d.rcnn_samples === undefined && d.rcnn_pos_fraction === undefined
      ? undefined
      : { num: d.rcnn_samples, posFraction: d.rcnn_pos_fraction };
  return {
    ...(d.anchor_scales ? { anchors: { scales: d.anchor_scales } } : {}),
    ...(d.finest_scale === undefined ? {} : { roi: { finestScale: d.finest_scale } }),
    rpn,
    ...(sampler ? { bboxHead: { sampler } } : {}),
  } as DetectorConfigOverrides;
}

function buildDetector(plan: RunPlan, numClasses: number): Detector {
  const o = plan.options;
  const backbone = {
    depth: o.depth,
    width: o.width,
    style: o.style,
    frozenStages: o.frozen_stages,
    normEval: plan.normEval,
    seed: plan.seed,
  };
  return createDetector(
    {
      ...detectorOverrides(o.detector),
      numClasses,
      backbone,
      seed: plan.seed,
      ...(o.scale ? { imageScale: o.scale } : {}),
    },
    o.preset,
  );
}

/** COCO detections of the val split (category ids from the dataset), predicted in eval mode; reads asynchronously. */
export async function predictSplit(
  detector: Detector,
  val: CocoDataset,
  batchSize: number,
): Promise<CocoDetection[]> {
  const out: CocoDetection[] = [];
  for (const b of iterateBatches(val, { batchSize, scale: detector.config.imageScale })) {
    const images = tf.tensor4d(b.images, b.shape);
    const metas = b.imgShapes.map((imgShape, i) => ({ imgShape, scaleFactor: b.scaleFactors[i]! }));
    let perImage: Awaited<ReturnType<Detector['predictAsync']>>;
    try {
      perImage = await detector.predictAsync(images, metas); // frees its own tensors; the result is plain numbers
    } finally {
      images.dispose();
    }
    perImage.forEach((dets, i) => {
      for (const d of dets) {
        if (!(d.bbox[2] > 0 && d.bbox[3] > 0)) continue; // COCO results need a positive size
        out.push({
          image_id: b.imageIds[i]!,
          category_id: val.categories[d.label]!.id,
          bbox: d.bbox,
          score: d.score,
        });
      }
    });
  }
  return out;
}

/** Evaluates val detections with pycocotools' numbers; the images evaluated are those of `val`. */
export function bboxMetrics(val: CocoDataset, detections: CocoDetection[]): Record<string, number> {
  const raw = parseGroundTruth(JSON.parse(readFileSync(val.annotationsFile, 'utf8')));
  const ids = new Set(val.images.map((i) => i.id));
  const gt = {
    ...raw,
    images: raw.images.filter((i) => ids.has(i.id)),
    annotations: raw.annotations.filter((a) => ids.has(a.image_id)),
  };
  const stats = evaluate(gt, detections).stats;
  // pycocotools reports -1 where there is nothing to measure (no object of that size): keep it, it is what mmdet logs.
  return Object.fromEntries(BBOX_METRICS.map((name, i) => [name, stats[i]!]));
}

/** Builds the task: both splits, the detector sized for their classes, the backbone from the checkpoint. */
export async function detectionTask(
  plan: RunPlan,
  log: (line: string) => void,
): Promise<TrainTask<unknown>> {
  const o = plan.options;
  const train = loadSplit(o.data_dir!, 'train', o.train_images);
  const val = loadSplit(o.data_dir!, 'val', o.val_images);
  const detector = buildDetector(plan, train.categories.length);
  try {
    await initBackbone(detector.backbone, plan.init, log);
  } catch (err) {
    detector.dispose();
    throw err;
  }
  const pending: BnUpdate[] = [];
  const discard = () => (
    tf.dispose(pending.flatMap((u) => [u.mean, u.variance])), (pending.length = 0)
  );
  const scale = detector.config.imageScale;
  // Backends without synchronous reads (webgpu in Node) get the step's RPN proposals beforehand, read asynchronously.
  let proposals: { batch: DetectionBatch; value: Proposals[] } | undefined;
  const task: TrainTask<DetectionBatch> = {
    params: detector.params,
    variables: detector.variables,
    roles: detector.roles,
    itersPerEpoch: Math.ceil(train.images.length / o.batch_size),
    batches: (epoch, seed) =>
      iterateBatches(train, {
        batchSize: o.batch_size,
        scale,
        flipProb: 0.5,
        shuffle: true,
        seed,
        epoch,
      }),
    prepare: async (batch) => {
      proposals = backendReadsSync()
        ? undefined
        : { batch, value: await detector.trainingProposals(batch) };
    },
    lossFn: (batch, rng) => {
      discard();
      const ready = proposals?.batch === batch ? { proposals: proposals.value } : {};
      proposals = undefined;
      const { total, terms } = detector.lossFn(batch, rng, {
        ...(plan.normEval ? {} : { bnUpdates: pending }),
        ...ready,
      });
      return { total, terms: { ...terms } };
    },
    afterStep: () => applyBnUpdates(detector.backbone.params, pending),
    evaluate: async () => bboxMetrics(val, await predictSplit(detector, val, o.batch_size)),
    dispose: () => (discard(), detector.dispose()),
  };
  return task as TrainTask<unknown>;
}
