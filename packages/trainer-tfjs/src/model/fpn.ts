import * as tf from '@tensorflow/tfjs-core';

import { addConv, applyConv, type BuildContext, type ConvLayer } from './layers.ts';
import type { ParamStore } from './params.ts';

/**
 * MMDetection's `FPN(in_channels, out_channels, num_outs)` with `add_extra_convs=False`, `start_level=0`, no
 * norm and no activation: 1x1 lateral convs, top-down nearest upsampling added into the next lateral, 3x3
 * output convs, then extra levels by `max_pool2d(kernel 1, stride 2)` of the last output (P6 for 5 outputs).
 * Keys as mmdet's: `lateral_convs.<i>.conv.weight|bias`, `fpn_convs.<i>.conv.weight|bias`; xavier-uniform init.
 */
export interface FpnConfig {
  /** Channels of C2..C5, e.g. a ResNet's `outChannels` ([256, 512, 1024, 2048] for ResNet-50). */
  inChannels: readonly number[];
  /** 256 in the study; scale with the backbone's width for small runs. */
  outChannels: number;
  /** Number of outputs; those beyond the inputs are max-pooled extra levels. Default 5. */
  numOuts?: number;
  /** Initialisation seed. Default 0. */
  seed?: number;
}

/** A built FPN neck. */
export interface Fpn {
  readonly params: ParamStore;
  readonly numOuts: number;
  /** P2..P6 (for 4 inputs and 5 outputs) from C2..C5, NHWC. */
  forward(features: readonly tf.Tensor4D[]): tf.Tensor4D[];
}

/** Builds an FPN neck. */
export function createFpn(config: FpnConfig): Fpn {
  const numOuts = config.numOuts ?? 5;
  if (numOuts < config.inChannels.length)
    throw new Error('fpn: numOuts must be >= the number of inputs');
  const store: ParamStore = new Map();
  const ctx: BuildContext = { store, seed: config.seed ?? 0, trainable: true };
  const out = config.outChannels;
  const laterals: ConvLayer[] = [];
  const outputs: ConvLayer[] = [];
  config.inChannels.forEach((inC, i) => {
    const common = { outChannels: out, bias: true, init: 'xavier' } as const;
    laterals.push(
      addConv(ctx, `lateral_convs.${i}.conv`, { ...common, inChannels: inC, kernel: 1 }),
    );
    outputs.push(
      addConv(ctx, `fpn_convs.${i}.conv`, { ...common, inChannels: out, kernel: 3, pad: 1 }),
    );
  });
  const forward = (features: readonly tf.Tensor4D[]): tf.Tensor4D[] => {
    if (features.length !== laterals.length) {
      throw new Error(`fpn: expected ${laterals.length} feature maps, got ${features.length}`);
    }
    const lat = features.map((f, i) => applyConv(store, laterals[i] as ConvLayer, f));
    for (let i = lat.length - 1; i > 0; i--) {
      const below = lat[i - 1] as tf.Tensor4D;
      lat[i - 1] = tf.add(
        below,
        upsampleNearest(lat[i] as tf.Tensor4D, below.shape[1], below.shape[2]),
      );
    }
    const outs = lat.map((l, i) => applyConv(store, outputs[i] as ConvLayer, l));
    while (outs.length < numOuts) outs.push(subsample2(outs[outs.length - 1] as tf.Tensor4D));
    return outs;
  };
  return { params: store, numOuts, forward };
}

/**
 * `F.interpolate(x, size=(h, w), mode='nearest')`: source index floor(dst * in / out). For the sizes an FPN sees
 * (out = 2·in or 2·in − 1, from stride-2 layers with padding) that is a 2x repeat, cropped; written with
 * `tf.concat` and reshapes, whose gradients are slices on every backend. Not `tf.broadcastTo` of a rank-5
 * view: that runs Tile, and tfjs has no Tile gradient above rank 4 ("Gradient for tile operation is not
 * implemented for rank-5 tensors yet"). Other sizes gather rows and columns (the gather gradient,
 * UnsortedSegmentSum, exists on cpu and webgpu and is registered for wasm by backend/wasm-kernels). Not
 * `tf.image.resizeNearestNeighbor`: the cpu backend's gradient of it (tfjs 4.22) is wrong for batch > 1.
 */
export function upsampleNearest(x: tf.Tensor4D, h: number, w: number): tf.Tensor4D {
  const [n, ih, iw, c] = x.shape;
  const twoX = (o: number, i: number) => o === 2 * i || o === 2 * i - 1;
  if (!twoX(h, ih) || !twoX(w, iw))
    return tf.gather(tf.gather(x, nearestIndices(ih, h), 1), nearestIndices(iw, w), 2);
  const wide = tf.reshape(tf.concat([x, x], 3), [n, ih, 2 * iw, c]);
  const tall = tf.reshape(tf.concat([wide, wide], 2), [n, 2 * ih, 2 * iw, c]) as tf.Tensor4D;
  return h === 2 * ih && w === 2 * iw ? tall : tf.slice(tall, [0, 0, 0, 0], [n, h, w, c]);
}

/** torch's nearest source index per output index: min(floor(dst * in / out), in - 1). */
function nearestIndices(inSize: number, outSize: number): tf.Tensor1D {
  const scale = inSize / outSize;
  return tf.tensor1d(
    Array.from({ length: outSize }, (_, d) => Math.min(Math.floor(d * scale), inSize - 1)),
    'int32',
  );
}

/**
 * `F.max_pool2d(x, 1, stride=2)`: every other pixel from (0, 0), output ceil(H/2) x ceil(W/2). Written as pad to
 * even, reshape and slice (cheap gradients on every backend).
 */
export function subsample2(x: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const he = h + (h % 2);
  const we = w + (w % 2);
  const even =
    he === h && we === w
      ? x
      : tf.pad(x, [
          [0, 0],
          [0, he - h],
          [0, we - w],
          [0, 0],
        ]);
  const grouped = tf.reshape(even, [n * (he / 2), 2, we / 2, 2 * c]);
  return tf.reshape(tf.slice(grouped, [0, 0, 0, 0], [n * (he / 2), 1, we / 2, c]), [
    n,
    he / 2,
    we / 2,
    c,
  ]);
}
