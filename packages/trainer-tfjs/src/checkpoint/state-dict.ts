import { readFile } from 'node:fs/promises';

import { CheckpointError } from './errors.ts';
import { parseSafetensors } from './safetensors.ts';
import { isCheckpointTensor, type CheckpointTensor } from './tensor.ts';
import { isLegacyTorch, isZip, parseTorchZip } from './torch-zip.ts';

/** A flat state dict: torch key → tensor, in the file's order. */
export type StateDict = Map<string, CheckpointTensor>;

/**
 * Reads a checkpoint file's state dict, whatever the format: safetensors, or a `torch.save` zip holding a
 * state dict directly or nested under `state_dict` (mmcv / mmcls / mmdet) or `model` (torchvision's reference
 * scripts, DeiT-style). Keys keep their names here; see {@link selectKeys} for `module.` and the prefix.
 */
export async function readStateDict(path: string): Promise<StateDict> {
  return decodeStateDict(new Uint8Array(await readFile(path)), path);
}

/** {@link readStateDict} on bytes already in memory; `name` only labels errors. */
export function decodeStateDict(bytes: Uint8Array, name = 'checkpoint'): StateDict {
  if (isZip(bytes) || isLegacyTorch(bytes)) return unwrapStateDict(parseTorchZip(bytes), name);
  return parseSafetensors(bytes).tensors;
}

function unwrapStateDict(root: unknown, name: string): StateDict {
  if (!(root instanceof Map))
    throw new CheckpointError('CHECKPOINT_KEYS', `${name}: no state_dict found (not a dict)`);
  const nested = root.get('state_dict') ?? root.get('model');
  const dict = nested instanceof Map ? nested : root;
  const out: StateDict = new Map();
  for (const [key, value] of dict) {
    if (typeof key !== 'string' || !isCheckpointTensor(value)) {
      throw new CheckpointError(
        'CHECKPOINT_KEYS',
        `${name}: state dict entry '${String(key)}' is not a tensor`,
      );
    }
    out.set(key, value);
  }
  return out;
}

/**
 * Renames keys as MMDetection does before loading: strips a leading `module.` (DataParallel; mmcv's default
 * `revise_keys`), then, with a `prefix` (mmcls weights: `backbone.`), keeps only the keys under it, without it.
 * A prefix that matches no key is an error, as in mmcv (`<prefix> is not in the pretrained model`).
 */
export function selectKeys(stateDict: StateDict, prefix?: string): StateDict {
  const revised: StateDict = new Map();
  for (const [k, v] of stateDict)
    revised.set(k.startsWith('module.') ? k.slice('module.'.length) : k, v);
  if (!prefix) return revised;
  const p = prefix.endsWith('.') ? prefix : `${prefix}.`;
  const out: StateDict = new Map();
  for (const [k, v] of revised) if (k.startsWith(p)) out.set(k.slice(p.length), v);
  if (out.size === 0) {
    const sample = [...revised.keys()].slice(0, 3).join(', ');
    throw new CheckpointError(
      'CHECKPOINT_KEYS',
      `${p} is not in the pretrained model (its keys look like: ${sample})`,
    );
  }
  return out;
}
