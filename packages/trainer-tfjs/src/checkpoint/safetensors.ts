import { readFile, writeFile } from 'node:fs/promises';

import { CheckpointError } from './errors.ts';
import { DTYPE_SIZE, numel, type CheckpointTensor, type DType } from './tensor.ts';

/**
 * The safetensors format: an 8-byte little-endian header size N, N bytes of JSON
 * (`{"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}`, offsets relative to
 * the byte buffer after the header), then the raw little-endian tensor bytes.
 */
export interface SafetensorsFile {
  tensors: Map<string, CheckpointTensor>;
  metadata: Record<string, string>;
}

const MAX_HEADER = 100 * 1024 * 1024;

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/** Parses a safetensors buffer; tensors are copied out (aligned, independent of `bytes`). */
export function parseSafetensors(bytes: Uint8Array): SafetensorsFile {
  const fail = (msg: string): never => {
    throw new CheckpointError('CHECKPOINT_FORMAT', `safetensors: ${msg}`);
  };
  if (bytes.byteLength < 8) fail('file shorter than its 8-byte header size');
  const size = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  // The value is not shown: read from a file that is no checkpoint, it would be that file's first 8 bytes.
  if (size > MAX_HEADER || 8 + size > bytes.byteLength)
    fail(`the header size in its first 8 bytes exceeds the file (${bytes.byteLength} bytes)`);
  let header: Record<string, unknown> = {};
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + size))) as Record<
      string,
      unknown
    >;
  } catch {
    fail('header is not JSON');
  }
  const body = bytes.subarray(8 + size);
  const tensors = new Map<string, CheckpointTensor>();
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    tensors.set(name, readEntry(name, value as HeaderEntry, body, fail));
  }
  return { tensors, metadata: (header.__metadata__ ?? {}) as Record<string, string> };
}

function readEntry(
  name: string,
  e: HeaderEntry,
  body: Uint8Array,
  fail: (m: string) => never,
): CheckpointTensor {
  if (!(e.dtype in DTYPE_SIZE)) fail(`tensor '${name}' has unsupported dtype ${String(e.dtype)}`);
  const dtype = e.dtype as DType;
  const [begin, end] = e.data_offsets ?? [];
  if (!Array.isArray(e.shape) || typeof begin !== 'number' || typeof end !== 'number') {
    fail(`tensor '${name}' is malformed`);
  }
  if (end - begin !== numel(e.shape) * DTYPE_SIZE[dtype] || begin < 0 || end > body.byteLength) {
    fail(`tensor '${name}' has offsets [${begin}, ${end}] that do not fit its shape or the file`);
  }
  return { dtype, shape: [...e.shape], data: body.slice(begin, end) };
}

/** Reads a safetensors file. */
export async function readSafetensors(path: string): Promise<SafetensorsFile> {
  return parseSafetensors(new Uint8Array(await readFile(path)));
}

/** Encodes tensors (in insertion order) and string metadata as safetensors, header padded to 8 bytes. */
export function encodeSafetensors(
  tensors: ReadonlyMap<string, CheckpointTensor> | Readonly<Record<string, CheckpointTensor>>,
  metadata?: Record<string, string>,
): Uint8Array {
  const entries = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  const header: Record<string, unknown> = metadata ? { __metadata__: metadata } : {};
  let offset = 0;
  for (const [name, t] of entries) {
    header[name] = {
      dtype: t.dtype,
      shape: t.shape,
      data_offsets: [offset, offset + t.data.byteLength],
    };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (new TextEncoder().encode(json).byteLength % 8)) % 8);
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.byteLength), true);
  out.set(head, 8);
  let at = 8 + head.byteLength;
  for (const [, t] of entries) {
    out.set(t.data, at);
    at += t.data.byteLength;
  }
  return out;
}

/** Writes tensors as a safetensors file. */
export async function saveSafetensors(
  path: string,
  tensors: ReadonlyMap<string, CheckpointTensor> | Readonly<Record<string, CheckpointTensor>>,
  metadata?: Record<string, string>,
): Promise<void> {
  await writeFile(path, encodeSafetensors(tensors, metadata));
}
