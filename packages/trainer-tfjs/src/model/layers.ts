import * as tf from '@tensorflow/tfjs-core';

import { batchNormInference, batchNormTrain } from '../backend/wasm-kernels/batch-norm.ts';
import { kaimingNormalFanOut, linearDefault, xavierUniform } from './init.ts';
import type { ModuleKind, ParamEntry, ParamKind, ParamLayout, ParamStore } from './params.ts';

/** Where a model under construction puts its tensors. */
export interface BuildContext {
  store: ParamStore;
  seed: number;
  /** False for frozen stages (mmdet `frozen_stages`: requires_grad False). */
  trainable: boolean;
}

/** A 2-D convolution as torch's `nn.Conv2d(in, out, k, stride, padding, bias)`; NHWC at run time. */
export interface ConvLayer {
  name: string;
  stride: number;
  pad: number;
  bias: boolean;
}

/** Options of {@link addConv}. */
export interface ConvOptions {
  inChannels: number;
  outChannels: number;
  kernel: number;
  stride?: number;
  pad?: number;
  bias?: boolean;
  /** 'kaiming' (torchvision ResNet, default) or 'xavier' (mmdet FPN, bias 0). */
  init?: 'kaiming' | 'xavier';
}

interface EntrySpec {
  torchShape: number[];
  layout: ParamLayout;
  module: ModuleKind;
  kind: ParamKind;
}

function addEntry(ctx: BuildContext, name: string, spec: EntrySpec, value: tf.Tensor): void {
  if (ctx.store.has(name)) throw new Error(`model: duplicate parameter '${name}'`);
  const trainable = ctx.trainable && spec.kind !== 'running_mean' && spec.kind !== 'running_var';
  const entry: ParamEntry = { ...spec, variable: tf.variable(value, trainable) };
  value.dispose();
  ctx.store.set(name, entry);
}

/** Registers `<name>.weight` (and `<name>.bias`) of a conv layer. */
export function addConv(ctx: BuildContext, name: string, o: ConvOptions): ConvLayer {
  const hwio: [number, number, number, number] = [o.kernel, o.kernel, o.inChannels, o.outChannels];
  const init = o.init === 'xavier' ? xavierUniform : kaimingNormalFanOut;
  const torchShape = [o.outChannels, o.inChannels, o.kernel, o.kernel];
  const weight: EntrySpec = { torchShape, layout: 'conv', module: 'conv', kind: 'weight' };
  addEntry(ctx, `${name}.weight`, weight, init(hwio, ctx.seed, name));
  const bias = o.bias ?? false;
  if (bias) {
    const spec: EntrySpec = {
      torchShape: [o.outChannels],
      layout: 'vector',
      module: 'conv',
      kind: 'bias',
    };
    addEntry(ctx, `${name}.bias`, spec, tf.zeros([o.outChannels]));
  }
  return { name, stride: o.stride ?? 1, pad: o.pad ?? 0, bias };
}

/** Registers a BatchNorm2d: weight 1, bias 0, running_mean 0, running_var 1 (torch's init). */
export function addNorm(ctx: BuildContext, name: string, channels: number): string {
  const spec = (kind: ParamKind): EntrySpec => ({
    torchShape: [channels],
    layout: 'vector',
    module: 'norm',
    kind,
  });
  addEntry(ctx, `${name}.weight`, spec('weight'), tf.ones([channels]));
  addEntry(ctx, `${name}.bias`, spec('bias'), tf.zeros([channels]));
  addEntry(ctx, `${name}.running_mean`, spec('running_mean'), tf.zeros([channels]));
  addEntry(ctx, `${name}.running_var`, spec('running_var'), tf.ones([channels]));
  return name;
}

/** Registers an `nn.Linear(inFeatures, outFeatures)` with torch's default init. */
export function addLinear(
  ctx: BuildContext,
  name: string,
  inFeatures: number,
  outFeatures: number,
): string {
  const w = linearDefault([inFeatures, outFeatures], inFeatures, ctx.seed, `${name}.weight`);
  const torchShape = [outFeatures, inFeatures];
  const weight: EntrySpec = { torchShape, layout: 'linear', module: 'linear', kind: 'weight' };
  addEntry(ctx, `${name}.weight`, weight, w);
  const b = linearDefault([outFeatures], inFeatures, ctx.seed, `${name}.bias`);
  addEntry(
    ctx,
    `${name}.bias`,
    { torchShape: [outFeatures], layout: 'vector', module: 'linear', kind: 'bias' },
    b,
  );
  return name;
}

function variableOf(store: ParamStore, key: string): tf.Variable {
  const e = store.get(key);
  if (!e) throw new Error(`model: missing parameter '${key}'`);
  return e.variable;
}

/** Runs a conv layer on an NHWC tensor, with torch's symmetric zero padding. */
export function applyConv(store: ParamStore, layer: ConvLayer, x: tf.Tensor4D): tf.Tensor4D {
  const w = variableOf(store, `${layer.name}.weight`) as unknown as tf.Tensor4D;
  const pad = layer.pad === 0 ? 'valid' : layer.pad;
  const y = tf.conv2d(x, w, layer.stride, pad);
  return layer.bias ? tf.add(y, variableOf(store, `${layer.name}.bias`)) : y;
}

/** Runs a linear layer on [N, in]. */
export function applyLinear(store: ParamStore, name: string, x: tf.Tensor2D): tf.Tensor2D {
  const w = variableOf(store, `${name}.weight`) as unknown as tf.Tensor2D;
  return tf.add(tf.matMul(x, w), variableOf(store, `${name}.bias`));
}

/** Batch statistics of one training-mode BN layer, for updating its running averages afterwards. */
export interface BnUpdate {
  name: string;
  mean: tf.Tensor1D;
  /** Unbiased (n - 1) variance, as torch uses for `running_var`. */
  variance: tf.Tensor1D;
}

/** How a BN layer runs: with batch statistics (training, not `norm_eval`, not frozen) or running ones. */
export interface NormMode {
  batchStats: boolean;
  /** Default 1e-5. */
  eps?: number;
  /** When given, training-mode layers push their batch statistics (kept: they outlive `tf.tidy`). */
  updates?: BnUpdate[];
}

/** Runs a BatchNorm2d on an NHWC tensor (the backend's broadcasting helpers). */
export function applyNorm(
  store: ParamStore,
  name: string,
  x: tf.Tensor4D,
  mode: NormMode,
): tf.Tensor4D {
  const v = (leaf: string) => variableOf(store, `${name}.${leaf}`) as unknown as tf.Tensor1D;
  const eps = mode.eps ?? 1e-5;
  if (!mode.batchStats)
    return batchNormInference(x, v('running_mean'), v('running_var'), v('weight'), v('bias'), eps);
  const r = batchNormTrain(x, v('weight'), v('bias'), eps);
  if (mode.updates) {
    const n = x.size / (x.shape[3] as number);
    const unbiased = n > 1 ? tf.mul(r.variance, n / (n - 1)) : tf.clone(r.variance);
    mode.updates.push({
      name,
      mean: tf.keep(tf.clone(r.mean)),
      variance: tf.keep(unbiased as tf.Tensor1D),
    });
  }
  tf.dispose([r.mean, r.variance]);
  return r.y;
}

/**
 * Applies training-mode statistics to the running averages as torch does:
 * running = (1 - momentum) * running + momentum * batch. Disposes the update tensors.
 */
export function applyBnUpdates(store: ParamStore, updates: BnUpdate[], momentum = 0.1): void {
  for (const u of updates) {
    for (const [leaf, batch] of [
      ['running_mean', u.mean],
      ['running_var', u.variance],
    ] as const) {
      const running = variableOf(store, `${u.name}.${leaf}`);
      const next = tf.tidy(() => tf.add(tf.mul(running, 1 - momentum), tf.mul(batch, momentum)));
      running.assign(next);
      next.dispose();
    }
    tf.dispose([u.mean, u.variance]);
  }
  updates.length = 0;
}
