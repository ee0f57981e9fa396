import { readFileSync } from 'node:fs';

import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';

import { CheckpointError } from './errors.ts';
import { encodeSafetensors, parseSafetensors } from './safetensors.ts';
import { decodeStateDict } from './state-dict.ts';
import { fromFloat32, halfToFloat, toFloat32 } from './tensor.ts';
import { parseTorchZip } from './torch-zip.ts';

const dir = new URL('../../fixtures/checkpoint/', import.meta.url);
const bytes = (name: string) => new Uint8Array(readFileSync(new URL(name, dir)));
const expected = JSON.parse(readFileSync(new URL('dtypes.json', dir), 'utf8')) as Record<
  string,
  { shape: number[]; values: number[] }
>;

function expectTensorsMatch(file: string, names: string[]): void {
  const sd = decodeStateDict(bytes(file), file);
  expect([...sd.keys()]).toEqual(names);
  for (const name of names) {
    const t = sd.get(name)!;
    const e = expected[name]!;
    expect(t.shape).toEqual(e.shape);
    // F16 / BF16 / F32 values are exact in float32; F64 and I64 are rounded to float32 like torch's .float()
    expect(Array.from(toFloat32(t))).toEqual(e.values.map((v) => Math.fround(v)));
  }
}

function expectCode(fn: () => unknown, code: string, message: RegExp): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CheckpointError);
    expect((err as CheckpointError).code).toBe(code);
    expect((err as Error).message).toMatch(message);
    return;
  }
  throw new Error('expected a CheckpointError');
}

describe('safetensors and torch.save readers on files written by torch 1.13', () => {
  it('safetensors: F32, F16, BF16, F64, I64 and a scalar', () => {
    expectTensorsMatch('dtypes.safetensors', ['f32', 'f16', 'bf16', 'f64', 'i64', 'scalar']);
  });

  it('torch.save zip: the same dtypes, views (transposed, offset, strided) of one storage, a Parameter', () => {
    const names = [
      'f32',
      'f16',
      'bf16',
      'f64',
      'i64',
      'scalar',
      'transposed',
      'rows',
      'every_other',
      'param',
    ];
    expectTensorsMatch('dtypes.pth', names);
  });

  it('encodes safetensors that read back identically, header padded to 8 bytes', () => {
    const t = fromFloat32([2, 2], Float32Array.of(1, -2, 3.5, 1e-8));
    const buf = encodeSafetensors({ w: t }, { format: 'pt' });
    const headerLength = Number(new DataView(buf.buffer).getBigUint64(0, true));
    expect(headerLength % 8).toBe(0);
    const back = parseSafetensors(buf);
    expect(back.metadata).toEqual({ format: 'pt' });
    expect(Array.from(toFloat32(back.tensors.get('w')!))).toEqual(
      Array.from(Float32Array.of(1, -2, 3.5, 1e-8)),
    );
  });

  it('decodes half-precision specials', () => {
    expect(halfToFloat(0x3c00)).toBe(1);
    expect(halfToFloat(0x0001)).toBe(2 ** -24);
    expect(halfToFloat(0xfc00)).toBe(-Infinity);
    expect(halfToFloat(0x7e00)).toBeNaN();
  });
});

describe('refusals', () => {
  const pickle = (...parts: Array<string | number[]>) =>
    Uint8Array.from(
      parts.flatMap((p) => (typeof p === 'string' ? [...p].map((c) => c.charCodeAt(0)) : p)),
    );

  it('never calls a global outside the allow-list (os.system)', () => {
    const evil = pickle([0x80, 2], 'cos\nsystem\n', [0x58, 7, 0, 0, 0], 'echo hi', [0x85], 'R.');
    const zip = zipSync({ 'evil/data.pkl': evil });
    expectCode(() => parseTorchZip(zip), 'CHECKPOINT_UNSAFE', /refusing to call os\.system/);
  });

  it('refuses opcodes outside the supported set (INST)', () => {
    const zip = zipSync({ 'evil/data.pkl': pickle([0x80, 2], 'ios\nsystem\n.') });
    expectCode(() => parseTorchZip(zip), 'CHECKPOINT_UNSAFE', /unsupported opcode 0x69/);
  });

  it('explains the legacy torch.save format and truncated safetensors', () => {
    const magic = [
      0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19,
    ];
    const legacy = Uint8Array.from([...magic, 0x2e]);
    expectCode(() => decodeStateDict(legacy), 'CHECKPOINT_FORMAT', /legacy \(pre-1\.6\)/);
    const truncated = bytes('dtypes.safetensors').subarray(0, 100);
    expectCode(() => parseSafetensors(truncated), 'CHECKPOINT_FORMAT', /exceeds the file/);
  });

  it("never shows a file's first bytes as a header size (a secret read as a checkpoint)", () => {
    const secret = new TextEncoder().encode('DATABASE_URL=postgresql://u:pw@db/sweeps');
    const asSize = new DataView(secret.buffer).getBigUint64(0, true).toString();
    const err = (() => {
      try {
        parseSafetensors(secret);
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err?.message).toBe(
      'safetensors: the header size in its first 8 bytes exceeds the file (40 bytes)',
    );
    expect(err?.message).not.toContain(asSize);
  });
});
