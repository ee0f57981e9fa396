import { CheckpointError } from './errors.ts';

/** Element types the readers understand (safetensors' names; torch storages map onto them). */
export type DType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

/** A tensor read from a checkpoint: contiguous little-endian bytes in row-major order. */
export interface CheckpointTensor {
  dtype: DType;
  shape: number[];
  data: Uint8Array;
}

/** Bytes per element of each dtype. */
export const DTYPE_SIZE: Readonly<Record<DType, number>> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

/** True when `value` is a {@link CheckpointTensor}. */
export function isCheckpointTensor(value: unknown): value is CheckpointTensor {
  return (
    typeof value === 'object' &&
    value !== null &&
    'dtype' in value &&
    'data' in value &&
    'shape' in value
  );
}

/** Number of elements of a shape (1 for a scalar). */
export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** IEEE half → float (exact: every half is a float). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** The values of a tensor as float32 (F16 / BF16 exactly, F64 rounded, integers converted). */
export function toFloat32(t: CheckpointTensor): Float32Array {
  const n = numel(t.shape);
  if (t.data.byteLength !== n * DTYPE_SIZE[t.dtype]) {
    const msg = `tensor of shape [${t.shape.join(', ')}] has ${t.data.byteLength} bytes`;
    throw new CheckpointError('CHECKPOINT_FORMAT', msg);
  }
  const view = new DataView(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  const out = new Float32Array(n);
  const read = READERS[t.dtype];
  for (let i = 0; i < n; i++) out[i] = read(view, i);
  return out;
}

const READERS: Record<DType, (v: DataView, i: number) => number> = {
  F64: (v, i) => v.getFloat64(i * 8, true),
  F32: (v, i) => v.getFloat32(i * 4, true),
  F16: (v, i) => halfToFloat(v.getUint16(i * 2, true)),
  BF16: (v, i) => {
    scratch.setUint32(0, v.getUint16(i * 2, true) << 16, true);
    return scratch.getFloat32(0, true);
  },
  I64: (v, i) => Number(v.getBigInt64(i * 8, true)),
  I32: (v, i) => v.getInt32(i * 4, true),
  I16: (v, i) => v.getInt16(i * 2, true),
  I8: (v, i) => v.getInt8(i),
  U8: (v, i) => v.getUint8(i),
  BOOL: (v, i) => v.getUint8(i),
};

const scratch = new DataView(new ArrayBuffer(4));

/** Wraps float32 values as a checkpoint tensor (for saving). */
export function fromFloat32(shape: readonly number[], values: Float32Array): CheckpointTensor {
  if (values.length !== numel(shape)) {
    throw new Error(`fromFloat32: ${values.length} values for shape [${shape.join(', ')}]`);
  }
  const data = new Uint8Array(values.length * 4);
  const view = new DataView(data.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i] as number, true);
  return { dtype: 'F32', shape: [...shape], data };
}
