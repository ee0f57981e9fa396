/**
 * Parameters of the detection heads, registered in a `ParamStore` with torch shapes and MMDetection's
 * initialisers: RPN convs Normal(0, 0.01), `fc_cls` Normal(0, 0.01), `fc_reg` Normal(0, 0.001), the shared fcs
 * Xavier-uniform; all biases 0. Seeds derive from the detector seed and the parameter name.
 */
import * as tf from '@tensorflow/tfjs-core';

import { hashName } from '../model/init.ts';
import type { ParamStore } from '../model/params.ts';

/** How a head weight is initialised. */
export type HeadInit = { kind: 'normal'; std: number } | { kind: 'xavier' };

function seedFor(seed: number, name: string): number {
  return (Math.imul(seed + 1, 0x9e3779b1) ^ hashName(name)) >>> 0;
}

function initWeight(
  shape: number[],
  fanIn: number,
  fanOut: number,
  init: HeadInit,
  seed: number,
  name: string,
): tf.Tensor {
  if (init.kind === 'normal')
    return tf.randomNormal(shape, 0, init.std, 'float32', seedFor(seed, name));
  const a = Math.sqrt(6 / (fanIn + fanOut));
  return tf.randomUniform(shape, -a, a, 'float32', seedFor(seed, name));
}

function register(
  store: ParamStore,
  name: string,
  entry: Omit<Parameters<ParamStore['set']>[1], 'variable'>,
  value: tf.Tensor,
): void {
  if (store.has(name)) throw new Error(`detector: duplicate parameter '${name}'`);
  store.set(name, { ...entry, variable: tf.variable(value, true) });
  value.dispose();
}

/** Registers `<name>.weight` (HWIO here, OIHW in torch) and `<name>.bias` of a k x k conv. */
export function addHeadConv(
  store: ParamStore,
  name: string,
  [inC, outC, k]: [number, number, number],
  init: HeadInit,
  seed: number,
): void {
  const w = initWeight([k, k, inC, outC], inC * k * k, outC * k * k, init, seed, `${name}.weight`);
  register(
    store,
    `${name}.weight`,
    { torchShape: [outC, inC, k, k], layout: 'conv', module: 'conv', kind: 'weight' },
    w,
  );
  register(
    store,
    `${name}.bias`,
    { torchShape: [outC], layout: 'vector', module: 'conv', kind: 'bias' },
    tf.zeros([outC]),
  );
}

/** Registers `<name>.weight` ([in, out] here, [out, in] in torch) and `<name>.bias` of a linear layer. */
export function addHeadLinear(
  store: ParamStore,
  name: string,
  [inF, outF]: [number, number],
  init: HeadInit,
  seed: number,
): void {
  const w = initWeight([inF, outF], inF, outF, init, seed, `${name}.weight`);
  register(
    store,
    `${name}.weight`,
    { torchShape: [outF, inF], layout: 'linear', module: 'linear', kind: 'weight' },
    w,
  );
  register(
    store,
    `${name}.bias`,
    { torchShape: [outF], layout: 'vector', module: 'linear', kind: 'bias' },
    tf.zeros([outF]),
  );
}

function variable(store: ParamStore, key: string): tf.Tensor {
  const e = store.get(key);
  if (!e) throw new Error(`detector: missing parameter '${key}'`);
  return e.variable;
}

/** Applies a registered conv ('same' padding, stride 1) to NHWC input. */
export function runHeadConv(store: ParamStore, name: string, x: tf.Tensor4D): tf.Tensor4D {
  const w = variable(store, `${name}.weight`) as tf.Tensor4D;
  return tf.add(tf.conv2d(x, w, 1, 'same'), variable(store, `${name}.bias`));
}

/** Applies a registered linear layer to `[n, in]`. */
export function runHeadLinear(store: ParamStore, name: string, x: tf.Tensor2D): tf.Tensor2D {
  return tf.add(
    tf.matMul(x, variable(store, `${name}.weight`) as tf.Tensor2D),
    variable(store, `${name}.bias`),
  );
}
