import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { selectBackend } from '../backend/select-backend.ts';
import { loadBackboneWeights } from '../checkpoint/load.ts';
import { readSafetensors } from '../checkpoint/safetensors.ts';
import { disposeStore, tfToTorch } from '../model/params.ts';
import { createResNet } from '../model/resnet.ts';
import { sha256File } from './committed-backbone.ts';
import { renderCropSet } from './crops.ts';
import { runPretrain } from './pretrain.ts';

/**
 * The bytes the tiny run below writes. Training is deterministic on wasm (the same bytes on every machine), so
 * this changes only when the recipe or a kernel's arithmetic (its summation order) changes: then the committed
 * backbones differ from what their commands write, and must be made again (backbones/manifest.json).
 */
const TINY_RUN_SHA256 = '13e1d41f61ff0265f3453e4d1dee4696946ce8b62f91c8c13108e6a0b6f8577e';

let dir: string;
beforeAll(async () => {
  // wasm's own kernels: their results are the same bytes on every CPU (the native ones differ per CPU).
  await selectBackend({ force: 'wasm', nativeKernels: 'off' });
  dir = await mkdtemp(path.join(tmpdir(), 'sweeps-pretrain-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('renderCropSet', () => {
  it('renders balanced labels, deterministically per seed', () => {
    const a = renderCropSet({ seed: 1, count: 30, size: 32, split: 'train' });
    expect(a.classes).toHaveLength(15);
    expect([...a.labels.slice(0, 16)]).toEqual([...Array.from({ length: 15 }, (_, i) => i), 0]);
    expect(renderCropSet({ seed: 1, count: 30, size: 32, split: 'train' }).images).toEqual(
      a.images,
    );
    expect(renderCropSet({ seed: 2, count: 30, size: 32, split: 'train' }).images).not.toEqual(
      a.images,
    );
  });
});

describe('runPretrain', () => {
  it('trains with the base recipe until the backbone beats chance, and writes a checkpoint loadable under torchvision keys', async () => {
    const out = path.join(dir, 'ckpt', 'base.safetensors');
    const epochs: Array<Record<string, number>> = [];
    // 64 crops of 15 classes, 12 epochs (~3 s on wasm): enough to learn the training crops and to place more
    // validation crops than chance would; seeded, so the numbers are the same on every run.
    const result = await runPretrain({
      out,
      epochs: 12,
      depth: 18,
      width: 0.125,
      imageSize: 32,
      trainImages: 64,
      valImages: 30,
      batchSize: 16,
      lr: 0.02,
      onEpoch: (e, m) => void epochs.push({ epoch: e, ...m }),
    });
    expect(epochs.map((m) => m['epoch'])).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    const chanceLoss = Math.log(15); // cross-entropy of a uniform guess over the 15 classes
    const first = epochs[0]!;
    const last = epochs.at(-1)!;
    expect(first['loss']).toBeGreaterThan(chanceLoss); // it starts no better than guessing
    expect(last['loss']).toBeLessThan(0.85 * chanceLoss);
    expect(last['loss']).toBeLessThan(first['loss']! - 0.5);
    expect(result.metrics['top1']).toBe(last['top1']);
    expect(result.metrics['top1']).toBeGreaterThan(1 / 15); // above chance on held-out crops (5 of 30 here)
    const file = await readSafetensors(out);
    expect(file.metadata['recipe']).toContain('base');
    expect(await sha256File(out)).toBe(TINY_RUN_SHA256);
    expect(file.tensors.get('layer1.0.conv1.weight')?.shape).toEqual([8, 8, 3, 3]);
    expect([...file.tensors.keys()].some((k) => k.startsWith('fc.'))).toBe(false);
    const fresh = createResNet({ depth: 18, width: 0.125 });
    const loaded = await loadBackboneWeights(fresh, out, { log: () => {} });
    expect(loaded.missingKeys).toEqual([]);
    expect(loaded.unexpectedKeys).toEqual([]);
    expect(tfToTorch(fresh.params.get('bn1.running_var')!)).not.toEqual(
      new Float32Array(8).fill(1),
    );
    disposeStore(fresh.params);
  }, 60_000); // ~5 s alone, more on a busy machine
});
