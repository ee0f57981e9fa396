import * as tf from '@tensorflow/tfjs-core';

import type { OptimizerState } from './types.ts';

/** Per-parameter state tensors (`momentum_buffer`, or `exp_avg` and `exp_avg_sq`) and step counts. */
export interface StateStore {
  tensors: Map<string, Record<string, tf.Tensor>>;
  steps: Map<string, number>;
}

/** Frees every state tensor and empties the store. */
export function clearState(store: StateStore): void {
  for (const s of store.tensors.values()) tf.dispose(Object.values(s));
  store.tensors.clear();
  store.steps.clear();
}

/**
 * Copies the store into named arrays `<kind>/<param>`; step counts as `step/<param>` (one value). Reads the
 * tensors asynchronously (every backend, webgpu included).
 */
export async function exportState(store: StateStore): Promise<OptimizerState> {
  const entries = [...store.tensors].flatMap(([name, s]) =>
    Object.entries(s).map(([kind, t]) => [`${kind}/${name}`, t] as const),
  );
  const values = await Promise.all(entries.map(([, t]) => t.data()));
  const out: OptimizerState = {};
  entries.forEach(([key], i) => {
    out[key] = Float32Array.from(values[i] as Float32Array);
  });
  for (const [name, n] of store.steps) out[`step/${name}`] = Float32Array.of(n);
  return out;
}

/**
 * Reads state written by {@link exportState}. Every entry must name a known kind and parameter, and hold as
 * many values as the parameter; on any error nothing is changed.
 */
export function importState(
  input: OptimizerState,
  params: Readonly<Record<string, tf.Variable>>,
  kinds: readonly string[],
  store: StateStore,
): void {
  const next: StateStore = { tensors: new Map(), steps: new Map() };
  try {
    for (const [key, values] of Object.entries(input)) readEntry(key, values, params, kinds, next);
  } catch (err) {
    clearState(next);
    throw err;
  }
  clearState(store);
  for (const [k, v] of next.tensors) store.tensors.set(k, v);
  for (const [k, v] of next.steps) store.steps.set(k, v);
}

function readEntry(
  key: string,
  values: Float32Array,
  params: Readonly<Record<string, tf.Variable>>,
  kinds: readonly string[],
  next: StateStore,
): void {
  const slash = key.indexOf('/');
  const kind = key.slice(0, slash);
  const name = key.slice(slash + 1);
  const p = params[name];
  if (slash < 0 || p === undefined || !(kind === 'step' || kinds.includes(kind))) {
    throw new Error(`optimizer state: unexpected entry '${key}'`);
  }
  if (kind === 'step') {
    next.steps.set(name, values[0] ?? 0);
    return;
  }
  if (values.length !== p.size) {
    throw new Error(
      `optimizer state: '${key}' has ${values.length} values, the parameter has ${p.size}`,
    );
  }
  const entry = next.tensors.get(name) ?? {};
  entry[kind] = tf.tensor(values, p.shape, 'float32');
  next.tensors.set(name, entry);
}
