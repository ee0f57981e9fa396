import * as tf from '@tensorflow/tfjs-core';

/**
 * Initialisers in torch's conventions, producing TF.js-layout tensors. Seeds derive from the model seed and the
 * parameter name so two models built with the same seed are identical.
 */

/** FNV-1a hash of a string (32 bits): a stable per-name seed component. */
export function hashName(name: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(name)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

function seedFor(seed: number, name: string): number {
  return (Math.imul(seed, 0x9e3779b1) ^ hashName(name)) >>> 0;
}

/** torchvision's conv init: kaiming_normal_(mode='fan_out', nonlinearity='relu'), std = sqrt(2 / fan_out). */
export function kaimingNormalFanOut(
  hwio: [number, number, number, number],
  seed: number,
  name: string,
): tf.Tensor {
  const [kh, kw, , out] = hwio;
  return tf.randomNormal(hwio, 0, Math.sqrt(2 / (out * kh * kw)), 'float32', seedFor(seed, name));
}

/** mmcv's Xavier uniform (FPN convs): U(-a, a), a = sqrt(6 / (fan_in + fan_out)). */
export function xavierUniform(
  hwio: [number, number, number, number],
  seed: number,
  name: string,
): tf.Tensor {
  const [kh, kw, cin, cout] = hwio;
  const a = Math.sqrt(6 / (cin * kh * kw + cout * kh * kw));
  return tf.randomUniform(hwio, -a, a, 'float32', seedFor(seed, name));
}

/** torch.nn.Linear's default init for weight ([in, out] here) and bias: U(-1/sqrt(in), 1/sqrt(in)). */
export function linearDefault(
  shape: number[],
  fanIn: number,
  seed: number,
  name: string,
): tf.Tensor {
  const a = 1 / Math.sqrt(fanIn);
  return tf.randomUniform(shape, -a, a, 'float32', seedFor(seed, name));
}
