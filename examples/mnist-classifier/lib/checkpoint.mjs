/**
 * JSON weights files: `{ format, version, hidden, tensors: { name: { shape, dtype, data } }, meta }`, where `data`
 * is the tensor's float32 values, little-endian, base64-encoded (exact round trip, ~4x smaller than a number list).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const FORMAT = 'sweeps-mnist-mlp';

/** A user error (bad flag, missing or invalid checkpoint): the script exits 2 with its message. */
export class UsageError extends Error {}

/**
 * Resolves a `--checkpoint` value to a file path, or `null` for `scratch`. `file:///abs/path` is absolute;
 * `file://rel/path` and plain paths are relative to the current directory (the worker's cwd, the repo root).
 * @param {string | undefined} value
 * @returns {string | null}
 */
export function resolveCheckpointPath(value) {
  if (value === undefined || value === '' || value === 'scratch') return null;
  if (!value.startsWith('file://')) return value;
  const rest = value.slice('file://'.length);
  return rest.startsWith('/') ? fileURLToPath(value) : decodeURIComponent(rest);
}

/**
 * Reads a checkpoint written by `saveCheckpoint` into `model` (already initialised). Tensors the file lacks keep
 * their initial values: `pretrain.mjs` saves only the hidden layer, and the head starts fresh, as when a detector
 * loads a pretrained backbone. Returns the names of the tensors it loaded.
 * @param {string} value the `--checkpoint` value, for messages
 * @param {string} path
 * @param {(hidden: number) => import('./model.mjs').Model} makeModel builds an initialised model of that width
 * @returns {{ model: import('./model.mjs').Model, loaded: string[] }}
 */
export function loadCheckpoint(value, path, makeModel) {
  const json = readCheckpointJson(value, path);
  const model = makeModel(json.hidden);
  const loaded = [];
  for (const p of model.params) {
    const t = json.tensors[p.name];
    if (t === undefined) continue;
    const bytes = typeof t?.data === 'string' ? Buffer.from(t.data, 'base64') : Buffer.alloc(0);
    if (bytes.length !== p.data.byteLength)
      throw new UsageError(`checkpoint ${value}: tensor ${p.name} has the wrong size`);
    p.data.set(
      new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)),
    );
    loaded.push(p.name);
  }
  if (loaded.length === 0)
    throw new UsageError(`checkpoint ${value} holds no tensor of this model`);
  return { model, loaded };
}

/**
 * @param {string} value
 * @param {string} path
 * @returns {{ hidden: number, tensors: Record<string, { data?: unknown } | undefined> }}
 */
function readCheckpointJson(value, path) {
  if (!existsSync(path)) throw new UsageError(`checkpoint ${value} not found`);
  let json;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UsageError(
      `checkpoint ${value} is not valid JSON: ${/** @type {Error} */ (err).message}`,
    );
  }
  if (
    json?.format !== FORMAT ||
    !Number.isInteger(json.hidden) ||
    json.hidden < 0 ||
    typeof json.tensors !== 'object'
  ) {
    throw new UsageError(
      `checkpoint ${value} is not a ${FORMAT} weights file (write one with --save)`,
    );
  }
  return json;
}

/**
 * Writes the model's weights (creating parent directories).
 * @param {string} path
 * @param {import('./model.mjs').Model} model
 * @param {Record<string, unknown>} meta how the weights were trained, for people reading the file
 * @param {(name: string) => boolean} [keep] which tensors to write (all by default)
 */
export function saveCheckpoint(path, model, meta, keep = () => true) {
  /** @type {Record<string, { shape: number[], dtype: string, data: string }>} */
  const tensors = {};
  for (const p of model.params.filter((q) => keep(q.name))) {
    const data = Buffer.from(p.data.buffer, p.data.byteOffset, p.data.byteLength).toString(
      'base64',
    );
    tensors[p.name] = { shape: p.shape, dtype: 'float32', data };
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(
    path,
    `${JSON.stringify({ format: FORMAT, version: 1, hidden: model.hidden, tensors, meta })}\n`,
  );
}
