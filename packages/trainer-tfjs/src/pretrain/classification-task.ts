/**
 * The classification task of the training loop: a torchvision ResNet plus `fc` on rendered object crops, BN in
 * training mode, softmax cross-entropy; evaluation reports validation top-1 accuracy and loss.
 */
import * as tf from '@tensorflow/tfjs-core';

import { createClassificationHead, type ClassificationHead } from '../model/head.ts';
import { applyBnUpdates, type BnUpdate } from '../model/layers.ts';
import {
  disposeStore,
  mergeStores,
  paramRoles,
  trainableVariables,
  type ParamStore,
} from '../model/params.ts';
import { createResNet, type ResNet, type ResNetConfig } from '../model/resnet.ts';
import type { TrainTask } from '../train/task.ts';
import { iterateCropBatches, renderCropSet, type CropBatch, type CropSet } from './crops.ts';
import { type EmaSettings, StoreEma } from './ema-weights.ts';
import {
  randAugment as applyRandAugment,
  type RandAugmentConfig,
  type RgbImage,
} from './rand-augment.ts';
import { type TrainingRegime, regimeBatch, regimeLoss } from './regime.ts';

/** Settings of {@link createClassificationTask}. */
export interface ClassificationTaskConfig {
  /** The backbone. Default ResNet-18 at width 0.25, BN trained (`normEval` false), nothing frozen. */
  backbone?: Partial<ResNetConfig>;
  /** Seeds weight initialisation (model) and the rendered data (data seed). */
  seed: number;
  /** Seed of the rendered images; default 0 (the data stays the same across trial seeds). */
  dataSeed?: number;
  trainImages: number;
  valImages: number;
  /** Crop side. Default 64. */
  imageSize?: number;
  /** Class names; default every shape and digit. */
  classes?: readonly string[];
  batchSize: number;
  /** Default 0.5. */
  flipProb?: number;
  /** A recipe's batch and loss changes (erasing, Mixup / CutMix, smoothing, BCE); absent: cross-entropy. */
  regime?: TrainingRegime;
  /** A recipe's RandAugment policy on the 8-bit crops. */
  randAugment?: RandAugmentConfig;
  /** Stochastic depth rate of the last block (timm's linear rule over the blocks). Default 0. */
  dropPath?: number;
  /** EMA of the weights: evaluation (and the saved backbone) use the averages. */
  ema?: EmaSettings;
}

/** The task plus the parts the `pretrain` job saves. */
export interface ClassificationTask extends TrainTask<CropBatch> {
  backbone: ResNet;
  head: ClassificationHead;
  train: CropSet;
  val: CropSet;
  /** The EMA when the config asks for one. */
  ema?: StoreEma;
}

/** Mean softmax cross-entropy of logits [N, C] against integer labels. */
export function crossEntropy(logits: tf.Tensor2D, labels: Int32Array): tf.Scalar {
  return tf.tidy(() => {
    const onehot = tf.oneHot(tf.tensor1d(labels, 'int32'), logits.shape[1]);
    return tf.neg(tf.mean(tf.sum(tf.mul(onehot, tf.logSoftmax(logits)), 1))) as tf.Scalar;
  });
}

/** Builds the task: renders both splits, builds and initialises the model from `seed`. */
export function createClassificationTask(config: ClassificationTaskConfig): ClassificationTask {
  const render = (split: 'train' | 'val', count: number) =>
    renderCropSet({
      seed: config.dataSeed ?? 0,
      count,
      split,
      size: config.imageSize ?? 64,
      ...(config.classes ? { classes: config.classes } : {}),
    });
  const train = render('train', config.trainImages);
  const val = render('val', config.valImages);
  const backbone = createResNet({
    depth: 18,
    width: 0.25,
    normEval: false,
    ...config.backbone,
    seed: config.seed,
  });
  const head = createClassificationHead({
    inChannels: backbone.outChannels[3],
    numClasses: train.classes.length,
    seed: config.seed,
  });
  const params: ParamStore = mergeStores({ params: backbone.params }, { params: head.params });
  const pending: BnUpdate[] = [];
  const forwardImages = (x: tf.Tensor4D, training: boolean, dropSeed = 0) =>
    tf.tidy(() => {
      const drop =
        training && config.dropPath ? { dropPath: { rate: config.dropPath, seed: dropSeed } } : {};
      const o = { training, ...(training ? { bnUpdates: pending } : {}), ...drop };
      return head.forward(backbone.forward(x, o).c5);
    });
  const evalForward = (b: CropBatch) =>
    tf.tidy(() => forwardImages(tf.tensor4d(b.images, b.shape), false));
  const regime = config.regime;
  const ema = config.ema ? new StoreEma(params, config.ema) : undefined;
  const randAugment = config.randAugment;
  const augment = randAugment
    ? { augment: (image: RgbImage, u: () => number) => applyRandAugment(image, u, randAugment) }
    : {};
  return {
    backbone,
    head,
    train,
    val,
    params,
    variables: trainableVariables(params),
    roles: paramRoles(params),
    itersPerEpoch: Math.ceil(train.count / config.batchSize),
    batches: (epoch, seed) =>
      iterateCropBatches(train, {
        batchSize: config.batchSize,
        shuffle: true,
        flipProb: config.flipProb ?? 0.5,
        seed,
        epoch,
        ...augment,
      }),
    lossFn: (batch, rng) => {
      discard(pending);
      const dropSeed = config.dropPath ? rng.nextSeed() : 0;
      if (!regime) {
        const loss = tf.tidy(() => {
          const x = tf.tensor4d(batch.images, batch.shape);
          return crossEntropy(forwardImages(x, true, dropSeed), batch.labels);
        });
        return { total: loss, terms: { loss_cls: loss } };
      }
      const { images, targets } = regimeBatch(batch, train.classes.length, regime, rng);
      const loss = tf.tidy(() =>
        regimeLoss(forwardImages(images, true, dropSeed), targets, regime),
      );
      tf.dispose([images, targets]);
      return { total: loss, terms: { loss_cls: loss } };
    },
    afterStep: () => {
      applyBnUpdates(params, pending);
      ema?.afterStep();
    },
    evaluate: () => {
      const run = () => evaluateClassifier(val, evalForward);
      return ema ? ema.withAverages(run) : run();
    },
    ...(ema ? { ema } : {}),
    dispose: () => (discard(pending), ema?.dispose(), disposeStore(params)),
  };
}

function discard(pending: BnUpdate[]): void {
  for (const u of pending) tf.dispose([u.mean, u.variance]);
  pending.length = 0;
}

/** Top-1 accuracy and mean cross-entropy on a split, in eval mode (BN running statistics); reads asynchronously. */
export async function evaluateClassifier(
  set: CropSet,
  logitsOf: (b: CropBatch) => tf.Tensor2D,
): Promise<Record<string, number>> {
  let correct = 0;
  let lossSum = 0;
  for (const b of iterateCropBatches(set, { batchSize: 100 })) {
    const logits = logitsOf(b);
    const top = tf.argMax(logits, 1);
    const ce = crossEntropy(logits, b.labels);
    let predicted: Int32Array;
    let loss: number;
    try {
      const [p, l] = await Promise.all([top.data(), ce.data()]);
      predicted = p as Int32Array;
      loss = l[0]!;
    } finally {
      tf.dispose([logits, top, ce]);
    }
    predicted.forEach((p, i) => {
      correct += p === b.labels[i] ? 1 : 0;
    });
    lossSum += loss * b.labels.length;
  }
  return { top1: correct / set.count, val_loss: lossSum / set.count };
}
