import { assignTorchValues, type ParamStore } from '../model/params.ts';
import { CheckpointError } from './errors.ts';
import { readStateDict, selectKeys, type StateDict } from './state-dict.ts';
import { toFloat32 } from './tensor.ts';

/** What a load found, as MMDetection reports it. */
export interface LoadResult {
  /** Model keys the checkpoint lacks (left as initialised), in model order. */
  missingKeys: string[];
  /** Checkpoint keys the model lacks (ignored), in file order; `num_batches_tracked` is never reported. */
  unexpectedKeys: string[];
  /** Keys copied into the model. */
  loadedKeys: string[];
}

/** Options of {@link loadBackboneWeights}. */
export interface LoadOptions {
  /** Keep only keys under this prefix, stripped (mmcls: `backbone.`). */
  prefix?: string;
  /** Where the mismatch report goes. Default `console.warn`; pass a no-op to silence it. */
  log?: (message: string) => void;
}

/**
 * Loads a checkpoint file (safetensors or torch.save zip; torchvision, timm or MMClassification keys) into a
 * model's tensors. Shapes are all checked before anything is copied: a mismatch throws naming the key and both
 * shapes. Keys that do not match are reported like mmcv's `load_state_dict` (non-strict) and returned.
 */
export async function loadBackboneWeights(
  model: { params: ParamStore },
  file: string,
  options: LoadOptions = {},
): Promise<LoadResult> {
  const stateDict = selectKeys(await readStateDict(file), options.prefix);
  return loadStateDict(model.params, stateDict, options.log ?? ((m) => console.warn(m)));
}

/** Copies a state dict into a store (torch layouts converted), reporting missing and unexpected keys. */
export function loadStateDict(
  store: ParamStore,
  stateDict: StateDict,
  log: (message: string) => void = () => {},
): LoadResult {
  const loadedKeys: string[] = [];
  const missingKeys: string[] = [];
  for (const [key, entry] of store) {
    const t = stateDict.get(key);
    if (!t) {
      missingKeys.push(key);
      continue;
    }
    if (
      t.shape.length !== entry.torchShape.length ||
      t.shape.some((d, i) => d !== entry.torchShape[i])
    ) {
      throw new CheckpointError(
        'CHECKPOINT_SHAPE_MISMATCH',
        `size mismatch for ${key}: copying a param with shape [${t.shape.join(', ')}] from checkpoint, ` +
          `the shape in current model is [${entry.torchShape.join(', ')}]`,
      );
    }
    loadedKeys.push(key);
  }
  for (const key of loadedKeys) assignTorchValues(store.get(key)!, toFloat32(stateDict.get(key)!));
  const unexpectedKeys = [...stateDict.keys()].filter(
    (k) => !store.has(k) && !k.endsWith('num_batches_tracked'),
  );
  const report = mismatchReport(missingKeys, unexpectedKeys);
  if (report) log(report);
  return { missingKeys, unexpectedKeys, loadedKeys };
}

/** mmcv's message: a header line, then `unexpected key in source state_dict: ...` and `missing keys in ...`. */
export function mismatchReport(
  missingKeys: readonly string[],
  unexpectedKeys: readonly string[],
): string | undefined {
  const parts: string[] = [];
  if (unexpectedKeys.length > 0)
    parts.push(`unexpected key in source state_dict: ${unexpectedKeys.join(', ')}\n`);
  if (missingKeys.length > 0)
    parts.push(`missing keys in source state_dict: ${missingKeys.join(', ')}\n`);
  if (parts.length === 0) return undefined;
  return ['The model and loaded state dict do not match exactly\n', ...parts].join('\n');
}
