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
const TINY_RUN_SHA256 = '3e65ede35bc96ed39a1d9450d26b711c903fb3740ed572658120c06fa516855d';

let dir: string;
beforeAll(async () => {
  await selectBackend({ force: 'wasm' });
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
  it('trains with the base recipe and writes a backbone checkpoint loadable under torchvision keys', async () => {
    const out = path.join(dir, 'ckpt', 'base.safetensors');
    const epochs: number[] = [];
    const result = await runPretrain({
      out,
      epochs: 2,
      depth: 18,
      width: 0.125,
      imageSize: 32,
      trainImages: 32,
      valImages: 15,
      batchSize: 16,
      onEpoch: (e) => void epochs.push(e),
    });
    expect(epochs).toEqual([1, 2]);
    expect(result.metrics['top1']).toBeGreaterThanOrEqual(0);
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
  });
});
