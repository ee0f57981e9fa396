/**
 * The FPN forward pass for training the detector: the same computation and parameters as `model/fpn.ts`'s
 * `createFpn(...).forward` (mmdet's FPN, `add_extra_convs=False`), with a 2x nearest upsampling written with
 * `tf.concat` and reshapes, whose gradients are slices on every backend (a `tf.stack` version
 * trains too, but its Unpack gradient is slow on wasm). Why: `model/fpn.ts` upsamples with a rank-5
 * `tf.broadcastTo`, which runs the Tile kernel, and tfjs has no Tile gradient above rank 4 ("Gradient for tile
 * operation is not implemented for rank-5 tensors yet"), so that forward cannot be trained through.
 */
import * as tf from '@tensorflow/tfjs-core';

import { subsample2, type Fpn } from '../model/fpn.ts';
import { applyConv, type ConvLayer } from '../model/layers.ts';

/** `F.interpolate(x, size=(h, w), mode='nearest')` for h in {2H, 2H - 1}, w in {2W, 2W - 1}; differentiable. */
export function upsample2x(x: tf.Tensor4D, h: number, w: number): tf.Tensor4D {
  const [n, ih, iw, c] = x.shape;
  const ok = (o: number, i: number) => o === 2 * i || o === 2 * i - 1;
  if (!ok(h, ih) || !ok(w, iw)) throw new Error(`upsample2x: ${ih}x${iw} -> ${h}x${w} is not a 2x nearest upsampling`);
  const wide = tf.reshape(tf.concat([x, x], 3), [n, ih, 2 * iw, c]);
  const tall = tf.reshape(tf.concat([wide, wide], 2), [n, 2 * ih, 2 * iw, c]) as tf.Tensor4D;
  return h === 2 * ih && w === 2 * iw ? tall : tf.slice(tall, [0, 0, 0, 0], [n, h, w, c]);
}

/** Runs a built FPN's parameters on C2..C5: P2..P(numOuts + 1). */
export function runFpn(neck: Fpn, features: readonly tf.Tensor4D[]): tf.Tensor4D[] {
  const lateral = (i: number): ConvLayer => ({ name: `lateral_convs.${i}.conv`, stride: 1, pad: 0, bias: true });
  const output = (i: number): ConvLayer => ({ name: `fpn_convs.${i}.conv`, stride: 1, pad: 1, bias: true });
  if (!neck.params.has(`${lateral(features.length - 1).name}.weight`) || neck.params.has(`${lateral(features.length).name}.weight`)) {
    throw new Error(`fpn: the neck does not take ${features.length} feature maps`);
  }
  const lat = features.map((f, i) => applyConv(neck.params, lateral(i), f));
  for (let i = lat.length - 1; i > 0; i--) {
    const below = lat[i - 1] as tf.Tensor4D;
    lat[i - 1] = tf.add(below, upsample2x(lat[i] as tf.Tensor4D, below.shape[1], below.shape[2]));
  }
  const outs = lat.map((l, i) => applyConv(neck.params, output(i), l));
  while (outs.length < neck.numOuts) outs.push(subsample2(outs[outs.length - 1] as tf.Tensor4D));
  return outs;
}
