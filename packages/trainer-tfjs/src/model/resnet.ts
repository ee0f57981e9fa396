import * as tf from '@tensorflow/tfjs-core';

import {
  addConv,
  addNorm,
  applyConv,
  applyNorm,
  type BnUpdate,
  type BuildContext,
  type ConvLayer,
} from './layers.ts';
import type { ParamStore } from './params.ts';
import { dropPath, dropPathRates } from './drop-path.ts';

/**
 * ResNet 18/34/50 as torchvision defines it (same state-dict keys: `conv1.weight`, `bn1.running_mean`,
 * `layer1.0.conv1.weight`, `layer2.0.downsample.0.weight`, ...) with MMDetection's backbone options.
 */
export interface ResNetConfig {
  depth: 18 | 34 | 50;
  /** Channel multiplier for small runs: every width is round(base * width), at least 1. Default 1. */
  width?: number;
  /** Where a Bottleneck's stride-2 conv sits: 'pytorch' the 3x3 (conv2), 'caffe' the first 1x1. Default 'pytorch'. */
  style?: 'pytorch' | 'caffe';
  /** -1: nothing frozen; 0: the stem; k: the stem and layer1..layerk (eval-mode BN, no gradients). Default -1. */
  frozenStages?: number;
  /** Keep every BN in eval mode (running statistics, not updated) while training. Default true (mmdet). */
  normEval?: boolean;
  /** mmdet's `deep_stem`: three 3x3 convs (`stem.0`, `stem.3`, `stem.6`) instead of the 7x7 `conv1`. Default false. */
  deepStem?: boolean;
  /** The 3x3 stride-2 max-pool after the stem; turn off for tiny images. Default true. */
  stemMaxPool?: boolean;
  /** Initialisation seed. Default 0. */
  seed?: number;
  /** BN epsilon. Default 1e-5. */
  bnEps?: number;
}

/** C2..C5: outputs of layer1..layer4 (strides 4, 8, 16, 32 with the default stem), NHWC. */
export interface ResNetFeatures {
  c2: tf.Tensor4D;
  c3: tf.Tensor4D;
  c4: tf.Tensor4D;
  c5: tf.Tensor4D;
}

/** Options of a forward pass. */
export interface ForwardOptions {
  /** Training mode: BN layers that are neither frozen nor under `normEval` use batch statistics. Default false. */
  training?: boolean;
  /** Receives the batch statistics of training-mode BN layers; apply them with `applyBnUpdates` after the step. */
  bnUpdates?: BnUpdate[];
  /**
   * Stochastic depth, in training only: block k of n drops its residual branch per sample at rate x k / (n - 1)
   * (timm's rule), its mask drawn with seed `seed + k`. Off when absent.
   */
  dropPath?: { rate: number; seed: number };
}

/** A built ResNet backbone. */
export interface ResNet {
  readonly config: Required<ResNetConfig>;
  readonly params: ParamStore;
  /** Channels of C2..C5. */
  readonly outChannels: [number, number, number, number];
  /** Runs the backbone on NHWC images. */
  forward(x: tf.Tensor4D, options?: ForwardOptions): ResNetFeatures;
}

interface Block {
  convs: ConvLayer[];
  norms: string[];
  downsample?: { conv: ConvLayer; norm: string };
}

interface Stage {
  index: number;
  blocks: Block[];
}

interface Stem {
  convs: ConvLayer[];
  norms: string[];
}

const LAYOUT: Record<ResNetConfig['depth'], { bottleneck: boolean; blocks: number[] }> = {
  18: { bottleneck: false, blocks: [2, 2, 2, 2] },
  34: { bottleneck: false, blocks: [3, 4, 6, 3] },
  50: { bottleneck: true, blocks: [3, 4, 6, 3] },
};

/** Channels at a width multiplier: round half up, at least 1. */
export function scaleChannels(base: number, width: number): number {
  return Math.max(1, Math.floor(base * width + 0.5));
}

function resolveConfig(c: ResNetConfig): Required<ResNetConfig> {
  const r: Required<ResNetConfig> = {
    depth: c.depth,
    width: c.width ?? 1,
    style: c.style ?? 'pytorch',
    frozenStages: c.frozenStages ?? -1,
    normEval: c.normEval ?? true,
    deepStem: c.deepStem ?? false,
    stemMaxPool: c.stemMaxPool ?? true,
    seed: c.seed ?? 0,
    bnEps: c.bnEps ?? 1e-5,
  };
  if (!(r.depth in LAYOUT))
    throw new Error(`resnet: depth must be 18, 34 or 50, got ${String(r.depth)}`);
  if (!(r.width > 0)) throw new Error(`resnet: width must be positive, got ${r.width}`);
  if (!Number.isInteger(r.frozenStages) || r.frozenStages < -1 || r.frozenStages > 4) {
    throw new Error(`resnet: frozenStages must be an integer in -1..4, got ${r.frozenStages}`);
  }
  return r;
}

function buildStem(ctx: BuildContext, c: Required<ResNetConfig>, stemChannels: number): Stem {
  if (!c.deepStem) {
    const conv = addConv(ctx, 'conv1', {
      inChannels: 3,
      outChannels: stemChannels,
      kernel: 7,
      stride: 2,
      pad: 3,
    });
    return { convs: [conv], norms: [addNorm(ctx, 'bn1', stemChannels)] };
  }
  const half = Math.max(1, Math.floor(stemChannels / 2));
  const widths: Array<[number, number, number]> = [
    [3, half, 2],
    [half, half, 1],
    [half, stemChannels, 1],
  ];
  const stem: Stem = { convs: [], norms: [] };
  widths.forEach(([inC, outC, stride], i) => {
    stem.convs.push(
      addConv(ctx, `stem.${3 * i}`, {
        inChannels: inC,
        outChannels: outC,
        kernel: 3,
        stride,
        pad: 1,
      }),
    );
    stem.norms.push(addNorm(ctx, `stem.${3 * i + 1}`, outC));
  });
  return stem;
}

/** [in, out, kernel, stride] of a block's convs; a caffe Bottleneck strides in its first 1x1, pytorch in the 3x3. */
function blockConvs(
  inC: number,
  planes: number,
  stride: number,
  c: Required<ResNetConfig>,
): number[][] {
  if (!LAYOUT[c.depth].bottleneck)
    return [
      [inC, planes, 3, stride],
      [planes, planes, 3, 1],
    ];
  const caffe = c.style === 'caffe';
  return [
    [inC, planes, 1, caffe ? stride : 1],
    [planes, planes, 3, caffe ? 1 : stride],
    [planes, planes * 4, 1, 1],
  ];
}

function buildBlock(
  ctx: BuildContext,
  prefix: string,
  [inC, planes, stride]: [number, number, number],
  c: Required<ResNetConfig>,
): Block {
  const outC = LAYOUT[c.depth].bottleneck ? planes * 4 : planes;
  const block: Block = { convs: [], norms: [] };
  blockConvs(inC, planes, stride, c).forEach(([i = 0, o = 0, k = 1, s = 1], j) => {
    const options = { inChannels: i, outChannels: o, kernel: k, stride: s, pad: (k - 1) / 2 };
    block.convs.push(addConv(ctx, `${prefix}.conv${j + 1}`, options));
    block.norms.push(addNorm(ctx, `${prefix}.bn${j + 1}`, o));
  });
  if (stride !== 1 || inC !== outC) {
    const conv = addConv(ctx, `${prefix}.downsample.0`, {
      inChannels: inC,
      outChannels: outC,
      kernel: 1,
      stride,
    });
    block.downsample = { conv, norm: addNorm(ctx, `${prefix}.downsample.1`, outC) };
  }
  return block;
}

/** Builds a ResNet backbone with freshly initialised weights (torchvision's init: kaiming fan-out, BN 1/0). */
export function createResNet(config: ResNetConfig): ResNet {
  const c = resolveConfig(config);
  const store: ParamStore = new Map();
  const ctx = (stage: number): BuildContext => ({
    store,
    seed: c.seed,
    trainable: stage > c.frozenStages,
  });
  let inC = scaleChannels(64, c.width);
  const stem = buildStem(ctx(0), c, inC);
  const stages: Stage[] = [];
  const outChannels: number[] = [];
  LAYOUT[c.depth].blocks.forEach((count, i) => {
    const planes = scaleChannels(64 * 2 ** i, c.width);
    const blocks: Block[] = [];
    for (let j = 0; j < count; j++) {
      const stride = i > 0 && j === 0 ? 2 : 1;
      blocks.push(buildBlock(ctx(i + 1), `layer${i + 1}.${j}`, [inC, planes, stride], c));
      inC = LAYOUT[c.depth].bottleneck ? planes * 4 : planes;
    }
    stages.push({ index: i + 1, blocks });
    outChannels.push(inC);
  });
  const forward = (x: tf.Tensor4D, o: ForwardOptions = {}) =>
    runResNet(store, c, stem, stages, x, o);
  return { config: c, params: store, outChannels: outChannels as ResNet['outChannels'], forward };
}

function runResNet(
  store: ParamStore,
  c: Required<ResNetConfig>,
  stem: Stem,
  stages: Stage[],
  x: tf.Tensor4D,
  o: ForwardOptions,
): ResNetFeatures {
  const mode = (stage: number) => ({
    batchStats: (o.training ?? false) && !c.normEval && stage > c.frozenStages,
    eps: c.bnEps,
    updates: o.bnUpdates,
  });
  let y = x;
  stem.convs.forEach((conv, i) => {
    y = tf.relu(applyNorm(store, stem.norms[i] as string, applyConv(store, conv, y), mode(0)));
  });
  if (c.stemMaxPool) y = tf.maxPool(y, 3, 2, 1);
  const outs: tf.Tensor4D[] = [];
  const drop = o.training ? o.dropPath : undefined;
  const rates = dropPathRates(
    stages.reduce((n, stage) => n + stage.blocks.length, 0),
    drop?.rate ?? 0,
  );
  let k = 0;
  for (const stage of stages) {
    for (const block of stage.blocks) {
      const branchDrop = drop ? { rate: rates[k] ?? 0, seed: drop.seed + k } : undefined;
      y = runBlock(store, block, y, mode(stage.index), branchDrop);
      k++;
    }
    outs.push(y);
  }
  const [c2, c3, c4, c5] = outs as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
  return { c2, c3, c4, c5 };
}

function runBlock(
  store: ParamStore,
  block: Block,
  x: tf.Tensor4D,
  mode: Parameters<typeof applyNorm>[3],
  drop?: { rate: number; seed: number },
): tf.Tensor4D {
  let y = x;
  block.convs.forEach((conv, i) => {
    y = applyNorm(store, block.norms[i] as string, applyConv(store, conv, y), mode);
    if (i < block.convs.length - 1) y = tf.relu(y);
  });
  const d = block.downsample;
  const identity = d ? applyNorm(store, d.norm, applyConv(store, d.conv, x), mode) : x;
  if (drop) y = dropPath(y, drop.rate, { training: true, seed: drop.seed });
  return tf.relu(tf.add(y, identity)) as tf.Tensor4D;
}
