import * as tf from '@tensorflow/tfjs-core';

import type { ParamRole } from '../optim/types.ts';

/** How a tensor is laid out in TF.js relative to torch: conv OIHW ↔ HWIO, linear [out, in] ↔ [in, out]. */
export type ParamLayout = 'conv' | 'linear' | 'vector';

/** The kind of layer a parameter belongs to (decides the optimizer's decay rules). */
export type ModuleKind = 'conv' | 'norm' | 'linear';

/** What the tensor is inside its layer; running statistics are buffers, never trained. */
export type ParamKind = 'weight' | 'bias' | 'running_mean' | 'running_var';

/** One named tensor of a model: a TF.js variable (TF.js layout) plus what checkpoints and optimizers need. */
export interface ParamEntry {
  variable: tf.Variable;
  /** The shape torch gives this tensor (OIHW for convs, [out, in] for linear layers). */
  torchShape: number[];
  layout: ParamLayout;
  module: ModuleKind;
  kind: ParamKind;
}

/** A model's tensors by torch state-dict key (`conv1.weight`, `layer1.0.bn1.running_mean`, ...), in order. */
export type ParamStore = Map<string, ParamEntry>;

/** Converts torch-layout values to a TF.js-layout tensor. */
export function torchToTf(
  layout: ParamLayout,
  torchShape: readonly number[],
  data: Float32Array,
): tf.Tensor {
  return tf.tidy(() => {
    const t = tf.tensor(data, [...torchShape], 'float32');
    if (layout === 'conv') return tf.transpose(t, [2, 3, 1, 0]);
    if (layout === 'linear') return tf.transpose(t, [1, 0]);
    return t;
  });
}

function torchLayoutTensor(layout: ParamLayout, tensor: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    if (layout === 'conv') return tf.transpose(tensor, [3, 2, 0, 1]);
    if (layout === 'linear') return tf.transpose(tensor, [1, 0]);
    return tf.clone(tensor);
  });
}

/** Values of a TF.js-layout tensor (a parameter or its gradient) in torch layout (synchronous read: not webgpu). */
export function toTorchLayout(layout: ParamLayout, tensor: tf.Tensor): Float32Array {
  const t = torchLayoutTensor(layout, tensor);
  try {
    return Float32Array.from(t.dataSync() as Float32Array);
  } finally {
    t.dispose();
  }
}

/** As {@link toTorchLayout}, read asynchronously (every backend, webgpu included). */
export async function toTorchLayoutAsync(
  layout: ParamLayout,
  tensor: tf.Tensor,
): Promise<Float32Array> {
  const t = torchLayoutTensor(layout, tensor);
  try {
    return Float32Array.from((await t.data()) as Float32Array);
  } finally {
    t.dispose();
  }
}

/** Reads an entry's values back in torch layout. */
export function tfToTorch(entry: ParamEntry): Float32Array {
  return toTorchLayout(entry.layout, entry.variable);
}

/** As {@link tfToTorch}, read asynchronously (every backend). */
export function tfToTorchAsync(entry: ParamEntry): Promise<Float32Array> {
  return toTorchLayoutAsync(entry.layout, entry.variable);
}

/** Overwrites an entry from torch-layout values (the caller has checked the element count). */
export function assignTorchValues(entry: ParamEntry, data: Float32Array): void {
  const t = torchToTf(entry.layout, entry.torchShape, data);
  entry.variable.assign(t);
  t.dispose();
}

/** True for running statistics (torch buffers): saved and loaded, never optimised. */
export function isBuffer(entry: ParamEntry): boolean {
  return entry.kind === 'running_mean' || entry.kind === 'running_var';
}

/** The variables an optimizer should update: parameters that are not buffers and not frozen. */
export function trainableVariables(store: ParamStore): Record<string, tf.Variable> {
  const out: Record<string, tf.Variable> = {};
  for (const [name, e] of store) if (!isBuffer(e) && e.variable.trainable) out[name] = e.variable;
  return out;
}

/** Each parameter's role for the optimizer's paramwise decay rules (norm layer? bias?). */
export function paramRoles(store: ParamStore): Record<string, ParamRole> {
  const out: Record<string, ParamRole> = {};
  for (const [name, e] of store) {
    if (!isBuffer(e)) out[name] = { isNorm: e.module === 'norm', isBias: e.kind === 'bias' };
  }
  return out;
}

/** One store with every entry of `stores`, keys prefixed (e.g. `neck.` for a detector); keys must not clash. */
export function mergeStores(...stores: Array<{ prefix?: string; params: ParamStore }>): ParamStore {
  const out: ParamStore = new Map();
  for (const { prefix = '', params } of stores) {
    for (const [name, e] of params) {
      const key = prefix + name;
      if (out.has(key)) throw new Error(`mergeStores: duplicate key '${key}'`);
      out.set(key, e);
    }
  }
  return out;
}

/** Frees every variable of a store. */
export function disposeStore(store: ParamStore): void {
  for (const e of store.values()) e.variable.dispose();
}
