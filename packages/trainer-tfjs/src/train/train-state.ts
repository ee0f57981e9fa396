/**
 * Per-epoch snapshots (a trial's own resume files): `epoch-NNNN.weights.safetensors` (every tensor of the model, BN running
 * statistics included, torch layout and keys), `epoch-NNNN.optim.safetensors` (the optimizer's `getStateAsync`:
 * momentum buffers or Adam moments and step counts, exact F32) and `epoch-NNNN.json` (epoch, PRNG state,
 * elapsed time, last metrics, a fingerprint of the run's settings). Each file is written to a temporary name and
 * renamed; the JSON goes last, so a JSON on disk means its epoch is complete.
 */
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { SNAPSHOTS_KEPT } from '@sweeps/core';

import { encodeSafetensors, readSafetensors } from '../checkpoint/safetensors.ts';
import { storeToTensorsAsync } from '../checkpoint/save.ts';
import { fromFloat32, toFloat32, type CheckpointTensor } from '../checkpoint/tensor.ts';
import { assignTorchValues, type ParamStore } from '../model/params.ts';
import type { OptimizerState } from '../optim/types.ts';

/** The JSON part of a snapshot. */
export interface TrainStateMeta {
  version: 1;
  /** Epochs completed (1-based count). */
  epoch: number;
  /** The loop's PRNG position after this epoch. */
  rngState: number;
  /** Training seconds so far, over every attempt. */
  elapsedS: number;
  /** Settings the run was started with; a snapshot from other settings is not resumed. */
  fingerprint: string;
  /** The epoch's reported metrics. */
  metrics: Record<string, number>;
  weightsFile: string;
  optimizerFile: string;
}

/** A snapshot read back: its meta and the optimizer state (the weights are already in the store). */
export interface LoadedTrainState {
  meta: TrainStateMeta;
  optimizerState: OptimizerState;
}

const STATE_RE = /^epoch-(\d{4,})\.json$/;
const stem = (epoch: number) => `epoch-${String(epoch).padStart(4, '0')}`;

/** Writes bytes to `file` atomically: a temporary file in the same directory, flushed, then renamed. */
export async function writeAtomic(file: string, bytes: Uint8Array | string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, file);
}

function optimizerTensors(state: OptimizerState): Map<string, CheckpointTensor> {
  const out = new Map<string, CheckpointTensor>();
  for (const [key, values] of Object.entries(state))
    out.set(key, fromFloat32([values.length], values));
  return out;
}

/**
 * Saves epoch `meta.epoch`'s snapshot into `dir` and deletes older epochs' snapshots, keeping the `keep` newest.
 */
export async function saveTrainState(
  dir: string,
  store: ParamStore,
  optimizerState: OptimizerState,
  meta: Omit<TrainStateMeta, 'version' | 'weightsFile' | 'optimizerFile'>,
  keep = SNAPSHOTS_KEPT,
): Promise<string> {
  const s = stem(meta.epoch);
  await mkdir(dir, { recursive: true });
  const full: TrainStateMeta = {
    version: 1,
    ...meta,
    weightsFile: `${s}.weights.safetensors`,
    optimizerFile: `${s}.optim.safetensors`,
  };
  await writeAtomic(
    path.join(dir, full.weightsFile),
    encodeSafetensors(await storeToTensorsAsync(store), { format: 'pt' }),
  );
  await writeAtomic(
    path.join(dir, full.optimizerFile),
    encodeSafetensors(optimizerTensors(optimizerState)),
  );
  const jsonFile = path.join(dir, `${s}.json`);
  await writeAtomic(jsonFile, `${JSON.stringify(full, null, 1)}\n`);
  await deleteOlderSnapshots(dir, meta.epoch - keep + 1);
  return jsonFile;
}

/** Deletes the files of every snapshot in `dir` older than epoch `firstKept`. */
async function deleteOlderSnapshots(dir: string, firstKept: number): Promise<void> {
  for (const name of await readdir(dir)) {
    const m = /^epoch-(\d{4,})\./.exec(name);
    if (m && Number(m[1]) < firstKept) await rm(path.join(dir, name), { force: true });
  }
}

function parseMeta(text: string): TrainStateMeta | undefined {
  try {
    const meta = JSON.parse(text) as TrainStateMeta;
    const ok =
      meta.version === 1 && Number.isInteger(meta.epoch) && Number.isInteger(meta.rngState);
    return ok && typeof meta.weightsFile === 'string' && typeof meta.optimizerFile === 'string'
      ? meta
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The newest complete snapshot in `dir` (highest epoch whose JSON parses), or undefined. `resumeFrom` in the
 * trainer contract is the newest *file* of the directory, which may be a weights file or a leftover temporary;
 * so callers pass its directory here.
 */
export async function findLatestState(dir: string): Promise<TrainStateMeta | undefined> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return undefined;
  }
  const epochs = names
    .flatMap((n) => (STATE_RE.test(n) ? [n] : []))
    .sort()
    .reverse();
  for (const name of epochs) {
    const meta = parseMeta(await readFile(path.join(dir, name), 'utf8'));
    if (meta) return meta;
  }
  return undefined;
}

/**
 * Loads a snapshot's weights into `store` (every key of the store must be present with its shape) and
 * returns the optimizer state to hand to `Optimizer.setState`.
 */
export async function loadTrainState(
  dir: string,
  meta: TrainStateMeta,
  store: ParamStore,
): Promise<LoadedTrainState> {
  const weights = await readSafetensors(path.join(dir, meta.weightsFile));
  const values = new Map<string, Float32Array>();
  for (const [key, entry] of store) {
    const t = weights.tensors.get(key);
    const n = entry.torchShape.reduce((a, b) => a * b, 1);
    if (!t) throw new Error(`snapshot ${meta.weightsFile} lacks '${key}'`);
    const data = toFloat32(t);
    if (data.length !== n)
      throw new Error(
        `snapshot ${meta.weightsFile}: '${key}' has ${data.length} values, expected ${n}`,
      );
    values.set(key, data);
  }
  for (const [key, data] of values) assignTorchValues(store.get(key)!, data);
  const optim = await readSafetensors(path.join(dir, meta.optimizerFile));
  const optimizerState: OptimizerState = {};
  for (const [key, t] of optim.tensors) optimizerState[key] = toFloat32(t);
  return { meta, optimizerState };
}
