/**
 * Faster R-CNN with an FPN, as MMDetection's `faster_rcnn_r50_fpn`, scaled by `DetectorConfig`: ResNet backbone →
 * FPN (P2..P6) → RPN (anchors, sampled sigmoid CE + L1) → proposals (outside the gradient) → RoIAlign on P2..P5 →
 * Shared2FC box head (sampled softmax CE + class-specific L1) and, at test time, per-class NMS.
 *
 * Parameter keys follow mmdet's state dict: `backbone.*` (torchvision names), `neck.*`, `rpn_head.*`,
 * `roi_head.bbox_head.*`. Pretrained backbone weights load with `loadBackboneWeights(detector.backbone, file)`.
 */
import * as tf from '@tensorflow/tfjs-core';

import type { DetectionBatch } from '../data/batches.ts';
import type { Rng } from '../data/rng.ts';
import { createFpn, type Fpn } from '../model/fpn.ts';
import type { BnUpdate } from '../model/layers.ts';
import {
  disposeStore,
  mergeStores,
  paramRoles,
  trainableVariables,
  type ParamStore,
} from '../model/params.ts';
import { createResNet, type ResNet } from '../model/resnet.ts';
import type { ParamRole } from '../optim/types.ts';
import { anchorsPerLocation, multiLevelAnchors } from './anchors.ts';
import { createBBoxHead, type BBoxHead } from './bbox-head.ts';
import { concatBoxes } from './boxes.ts';
import {
  resolveDetectorConfig,
  type DetectorConfig,
  type DetectorConfigOverrides,
  type DetectorPreset,
} from './config.ts';
import { accuracy, l1Loss, sigmoidBceLoss, softmaxCeLoss } from './losses.ts';
import type { Detection, ImageMeta } from './post-process.ts';
import { predictDetections, predictDetectionsAsync } from './predict.ts';
import { denseRcnnTargets, rcnnSamples } from './rcnn-targets.ts';
import { extractRoiFeatures, type RoiExtractorConfig } from './roi-extractor.ts';
import { createRpnHead, type RpnHead, type RpnOutput } from './rpn-head.ts';
import { rpnProposals, rpnTargets, type Proposals } from './rpn-targets.ts';
import type { ProposalConfig } from './config.ts';

/** What a training step needs from a batch (a `DetectionBatch` from the data layer has it all). */
export type TrainBatch = Pick<
  DetectionBatch,
  'images' | 'shape' | 'boxes' | 'labels' | 'imgShapes'
>;

/** The four mmdet loss terms (and the box head's accuracy in percent); all kept scalars the caller disposes. */
export interface DetectorLossTerms {
  loss_rpn_cls: tf.Scalar;
  loss_rpn_bbox: tf.Scalar;
  loss_cls: tf.Scalar;
  loss_bbox: tf.Scalar;
  acc: tf.Scalar;
}

/** Where sampling draws from: a data-layer `Rng` function or any `{ next(): number }` stream (the loop's `SeededRng`). */
export type SampleRng = Rng | { next(): number };

function asRng(rng: SampleRng): Rng {
  return typeof rng === 'function' ? rng : () => rng.next();
}

/** Options of a training forward pass. */
export interface LossOptions {
  /** Receives batch statistics of training-mode BN layers (none with mmdet's `normEval`). */
  bnUpdates?: BnUpdate[];
  /**
   * Each image's RPN proposals, from `trainingProposals` (same batch, same parameters). Without them the step
   * reads the RPN's outputs synchronously, which backends without synchronous reads (webgpu in Node) refuse.
   */
  proposals?: Proposals[];
}

/** Whether the active backend reads tensors synchronously (webgpu in Node cannot: `dataSync` needs OffscreenCanvas). */
export function backendReadsSync(): boolean {
  return tf.getBackend() !== 'webgpu';
}

/** A built detector. Call `lossFn` inside `tf.variableGrads` (or use `computeGradients`). */
export interface Detector {
  readonly config: DetectorConfig;
  readonly backbone: ResNet;
  readonly neck: Fpn;
  readonly rpnHead: RpnHead;
  readonly bboxHead: BBoxHead;
  /** Every tensor, mmdet keys (`backbone.conv1.weight`, `neck.fpn_convs.0.conv.bias`, ...). */
  readonly params: ParamStore;
  /** The variables an optimizer updates (frozen stages and BN buffers left out), by key. */
  readonly variables: Record<string, tf.Variable>;
  /** Norm / bias roles for the optimizer's paramwise rules, by key. */
  readonly roles: Record<string, ParamRole>;
  /**
   * Training forward pass: `total` is the sum of the four losses. Sampling draws from `rng`. The terms are
   * `tf.keep`-ed (they outlive `variableGrads`' scope): dispose them.
   */
  lossFn(
    batch: TrainBatch,
    rng: SampleRng,
    options?: LossOptions,
  ): { total: tf.Scalar; terms: DetectorLossTerms };
  /**
   * Gradients of the total loss by key (caller disposes), and the loss values as numbers; reads asynchronously
   * (proposals from `trainingProposals` first where the backend has no synchronous reads).
   */
  computeGradients(
    batch: TrainBatch,
    rng: SampleRng,
    options?: LossOptions,
  ): Promise<{ grads: Record<string, tf.Tensor>; losses: Record<string, number> }>;
  /**
   * The RPN proposals a training step on `batch` would make, by an extra forward pass read asynchronously: pass
   * them as `options.proposals` to `lossFn` on backends without synchronous reads (`backendReadsSync()`).
   */
  trainingProposals(batch: TrainBatch): Promise<Proposals[]>;
  /** Up to `test.maxPerImg` detections per image, in original-image pixels; reads asynchronously (any backend). */
  predictAsync(images: tf.Tensor4D, metas: readonly ImageMeta[]): Promise<Detection[][]>;
  /** As `predictAsync`, with synchronous reads: cpu and wasm only (webgpu in Node throws). */
  predict(images: tf.Tensor4D, metas: readonly ImageMeta[]): Detection[][];
  dispose(): void;
}

/** Builds a detector from a preset (default `demo`) with overrides. */
export function createDetector(
  overrides: DetectorConfigOverrides = {},
  preset: DetectorPreset = 'demo',
): Detector {
  const config = resolveDetectorConfig(overrides, preset);
  const backbone = createResNet(config.backbone);
  const neck = createFpn({
    inChannels: backbone.outChannels,
    outChannels: config.fpnChannels,
    numOuts: 5,
    seed: config.seed,
  });
  const rpnHead = createRpnHead({
    inChannels: config.fpnChannels,
    featChannels: config.rpn.featChannels,
    numAnchors: anchorsPerLocation(config.anchors),
    seed: config.seed,
  });
  const roi = config.roi;
  const bboxHead = createBBoxHead({
    inChannels: config.fpnChannels,
    roiSize: roi.outputSize,
    fcChannels: config.bboxHead.fcChannels,
    numClasses: config.numClasses,
    seed: config.seed,
  });
  const params = mergeStores(
    { prefix: 'backbone.', params: backbone.params },
    { prefix: 'neck.', params: neck.params },
    { prefix: 'rpn_head.', params: rpnHead.params },
    { prefix: 'roi_head.bbox_head.', params: bboxHead.params },
  );
  const parts = { config, backbone, neck, rpnHead, bboxHead, anchors: anchorCache(config) };
  const variables = trainableVariables(params);
  const lossFn: Detector['lossFn'] = (batch, rng, options = {}) =>
    detectorLoss(parts, batch, asRng(rng), options);
  return {
    config,
    backbone,
    neck,
    rpnHead,
    bboxHead,
    params,
    variables,
    roles: paramRoles(params),
    lossFn,
    computeGradients: async (batch, rng, options = {}) => {
      const proposals =
        options.proposals ??
        (backendReadsSync() ? undefined : await trainingProposals(parts, batch));
      return computeGradients(variables, () =>
        lossFn(batch, rng, proposals ? { ...options, proposals } : options),
      );
    },
    trainingProposals: (batch) => trainingProposals(parts, batch),
    predictAsync: (images, metas) => predictDetectionsAsync(parts, images, metas),
    predict: (images, metas) => predictDetections(parts, images, metas),
    dispose: () => disposeStore(params),
  };
}

/** The pieces the stages share. */
export interface DetectorParts {
  config: DetectorConfig;
  backbone: ResNet;
  neck: Fpn;
  rpnHead: RpnHead;
  bboxHead: BBoxHead;
  /** Anchors per level for given feature sizes (cached). */
  anchors: (sizes: ReadonlyArray<[number, number]>) => Float32Array[];
}

function anchorCache(config: DetectorConfig): DetectorParts['anchors'] {
  const cache = new Map<string, Float32Array[]>();
  return (sizes) => {
    const key = sizes.map(([h, w]) => `${h}x${w}`).join(',');
    let hit = cache.get(key);
    if (!hit) cache.set(key, (hit = multiLevelAnchors(config.anchors, sizes)));
    return hit;
  };
}

/** P2..P6 of NHWC images. */
export function pyramidOf(
  parts: DetectorParts,
  x: tf.Tensor4D,
  training: boolean,
  bnUpdates?: BnUpdate[],
): tf.Tensor4D[] {
  const c = parts.backbone.forward(x, bnUpdates ? { training, bnUpdates } : { training });
  return parts.neck.forward([c.c2, c.c3, c.c4, c.c5]);
}

/** The RoI extractor's settings. */
export function extractorConfig(config: DetectorConfig): RoiExtractorConfig {
  const { outputSize, samplingRatio, strides, finestScale } = config.roi;
  return { outputSize, samplingRatio, strides, finestScale, aligned: true };
}

/** Each image's proposals from the RPN's outputs, read synchronously (no gradient flows through). */
export function proposalsOf(
  out: RpnOutput,
  levels: readonly Float32Array[],
  imgShapes: ReadonlyArray<readonly [number, number]>,
  config: ProposalConfig,
): Proposals[] {
  return proposalsFromValues(
    out.cls.dataSync() as Float32Array,
    out.reg.dataSync() as Float32Array,
    levels,
    imgShapes,
    config,
  );
}

/** As `proposalsOf`, reading the RPN's outputs asynchronously (every backend). */
export async function proposalsOfAsync(
  out: RpnOutput,
  levels: readonly Float32Array[],
  imgShapes: ReadonlyArray<readonly [number, number]>,
  config: ProposalConfig,
): Promise<Proposals[]> {
  const [logits, deltas] = await Promise.all([
    out.cls.data() as Promise<Float32Array>,
    out.reg.data() as Promise<Float32Array>,
  ]);
  return proposalsFromValues(logits, deltas, levels, imgShapes, config);
}

/** Each image's proposals from the RPN's logits [n, t] and deltas [n, t, 4] as values. */
function proposalsFromValues(
  logits: Float32Array,
  deltas: Float32Array,
  levels: readonly Float32Array[],
  imgShapes: ReadonlyArray<readonly [number, number]>,
  config: ProposalConfig,
): Proposals[] {
  const anchors = concatBoxes(levels);
  const t = anchors.length >> 2;
  const levelSizes = levels.map((l) => l.length >> 2);
  return imgShapes.map((shape, b) => {
    const scores = Float32Array.from(
      logits.subarray(b * t, (b + 1) * t),
      (v) => 1 / (1 + Math.exp(-v)),
    );
    return rpnProposals(
      scores,
      deltas.subarray(b * t * 4, (b + 1) * t * 4),
      anchors,
      levelSizes,
      shape,
      config,
    );
  });
}

function rpnLosses(
  parts: DetectorParts,
  out: RpnOutput,
  levels: Float32Array[],
  batch: TrainBatch,
  rng: Rng,
) {
  const { rpn } = parts.config;
  const targets = rpnTargets(concatBoxes(levels), batch.boxes, rpn.assigner, rpn.sampler, rng);
  const [n, t] = out.cls.shape;
  const denom = targets.numSamples;
  return {
    loss_rpn_cls: sigmoidBceLoss(
      out.cls,
      tf.tensor2d(targets.labels, [n, t]),
      tf.tensor2d(targets.labelWeights, [n, t]),
      denom,
    ),
    loss_rpn_bbox: l1Loss(
      out.reg,
      tf.tensor3d(targets.bboxTargets, [n, t, 4]),
      tf.tensor3d(targets.bboxWeights, [n, t, 4]),
      denom,
    ),
  };
}

function rcnnLosses(
  parts: DetectorParts,
  pyramid: tf.Tensor4D[],
  proposals: Proposals[],
  batch: TrainBatch,
  rng: Rng,
) {
  const { config } = parts;
  const k = config.numClasses;
  const sampling = { ...config.bboxHead, numClasses: k };
  const s = rcnnSamples(
    proposals.map((p) => p.boxes),
    batch.boxes,
    batch.labels,
    sampling,
    rng,
  );
  const extractor = extractorConfig(config);
  const { pooled, order } = extractRoiFeatures(
    pyramid.slice(0, extractor.strides.length),
    s.rois,
    s.batchIndex,
    extractor,
  );
  const out = parts.bboxHead.forward(pooled);
  const d = denseRcnnTargets(s, order, k);
  const r = order.length;
  return {
    loss_cls: softmaxCeLoss(out.cls, tf.tensor2d(d.oneHot, [r, k + 1]), r),
    loss_bbox: l1Loss(
      out.reg,
      tf.tensor2d(d.regTargets, [r, 4 * k]),
      tf.tensor2d(d.regWeights, [r, 4 * k]),
      r,
    ),
    acc: accuracy(out.cls, d.labels),
  };
}

function detectorLoss(parts: DetectorParts, batch: TrainBatch, rng: Rng, options: LossOptions) {
  const x = tf.tensor4d(batch.images, batch.shape);
  const pyramid = pyramidOf(parts, x, true, options.bnUpdates);
  const out = parts.rpnHead.forward(pyramid);
  const levels = parts.anchors(out.sizes);
  const rpn = rpnLosses(parts, out, levels, batch, rng);
  const proposals =
    options.proposals ?? proposalsOf(out, levels, batch.imgShapes, parts.config.rpn.train);
  const rcnn = rcnnLosses(parts, pyramid, proposals, batch, rng);
  const terms: DetectorLossTerms = { ...rpn, ...rcnn };
  const total = tf.addN([
    terms.loss_rpn_cls,
    terms.loss_rpn_bbox,
    terms.loss_cls,
    terms.loss_bbox,
  ]) as tf.Scalar;
  for (const t of Object.values(terms)) tf.keep(t);
  return { total, terms };
}

/** A training step's proposals by a forward pass outside any tape (training-mode BN, statistics not kept). */
async function trainingProposals(parts: DetectorParts, batch: TrainBatch): Promise<Proposals[]> {
  let sizes: Array<[number, number]> = [];
  const [cls, reg] = tf.tidy(() => {
    const out = parts.rpnHead.forward(
      pyramidOf(parts, tf.tensor4d(batch.images, batch.shape), true),
    );
    sizes = out.sizes;
    return [out.cls, out.reg] as const;
  });
  const out: RpnOutput = { cls, reg, sizes };
  try {
    return await proposalsOfAsync(
      out,
      parts.anchors(out.sizes),
      batch.imgShapes,
      parts.config.rpn.train,
    );
  } finally {
    tf.dispose([out.cls, out.reg]);
  }
}

async function computeGradients(
  variables: Record<string, tf.Variable>,
  run: () => { total: tf.Scalar; terms: DetectorLossTerms },
): Promise<{ grads: Record<string, tf.Tensor>; losses: Record<string, number> }> {
  const keyOf = new Map(Object.entries(variables).map(([k, v]) => [v.name, k]));
  let terms: DetectorLossTerms | undefined;
  const { value, grads } = tf.variableGrads(() => {
    const r = run();
    terms = r.terms;
    return r.total;
  }, Object.values(variables));
  const named = Object.entries(terms ?? {}) as Array<[string, tf.Scalar]>;
  const stacked = tf.stack([value, ...named.map(([, t]) => t)]);
  tf.dispose([value, ...named.map(([, t]) => t)]);
  const numbers = await stacked.data();
  stacked.dispose();
  const losses: Record<string, number> = { loss: numbers[0]! };
  named.forEach(([name], i) => {
    losses[name] = numbers[i + 1]!;
  });
  const byKey: Record<string, tf.Tensor> = {};
  for (const [name, g] of Object.entries(grads)) byKey[keyOf.get(name) as string] = g;
  return { grads: byKey, losses };
}
