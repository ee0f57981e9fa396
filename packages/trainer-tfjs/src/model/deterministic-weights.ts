import { hashName } from './init.ts';
import { assignTorchValues, type ParamStore } from './params.ts';

/**
 * Deterministic tensors that the fixture generators (scripts/fixtures/common.py) produce identically, so a
 * test can build a full-width network and compare it with torch's output without shipping its weights.
 * u_i = fmix32(i * 0x9E3779B1 + fnv1a(name)) / 2^32, computed in exact 32-bit integer arithmetic.
 */
export function deterministicUniform(n: number, seed: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let h = (Math.imul(i, 0x9e3779b1) + seed) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    out[i] = ((h ^ (h >>> 16)) >>> 0) / 4294967296;
  }
  return out;
}

/**
 * The value of a named tensor in torch layout: weights of rank > 1 U(-1, 1)·sqrt(6 / fan_in); other weights and
 * running variances U(0.8, 1.2); biases and running means U(-0.1, 0.1).
 */
export function deterministicTensor(name: string, torchShape: readonly number[]): Float32Array {
  const n = torchShape.reduce((a, b) => a * b, 1);
  const u = deterministicUniform(n, hashName(name));
  const leaf = name.slice(name.lastIndexOf('.') + 1);
  const out = new Float32Array(n);
  if (leaf === 'weight' && torchShape.length > 1) {
    const scale = Math.sqrt(6 / (n / (torchShape[0] as number)));
    for (let i = 0; i < n; i++) out[i] = (2 * (u[i] as number) - 1) * scale;
  } else if (leaf === 'weight' || leaf === 'running_var') {
    for (let i = 0; i < n; i++) out[i] = 0.8 + 0.4 * (u[i] as number);
  } else {
    for (let i = 0; i < n; i++) out[i] = 0.2 * (u[i] as number) - 0.1;
  }
  return out;
}

/** Overwrites every tensor of a store with {@link deterministicTensor} of its key. */
export function fillDeterministic(store: ParamStore): void {
  for (const [name, entry] of store)
    assignTorchValues(entry, deterministicTensor(name, entry.torchShape));
}

/** A deterministic NCHW input in U(-1, 1), as `det_input` in the fixture scripts. */
export function deterministicInput(nchw: readonly number[], seedName: string): Float32Array {
  const n = nchw.reduce((a, b) => a * b, 1);
  const u = deterministicUniform(n, hashName(seedName));
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = 2 * (u[i] as number) - 1;
  return out;
}
