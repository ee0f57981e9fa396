import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { selectBackend } from '../backend/select-backend.ts';
import { readSafetensors } from '../checkpoint/safetensors.ts';
import { type CheckpointRecord, checkpointRecordPath, runPretrain } from './pretrain.ts';

let dir: string;
beforeAll(async () => {
  await selectBackend({ force: 'wasm', nativeKernels: 'off' });
  dir = await mkdtemp(path.join(tmpdir(), 'sweeps-recipe-run-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('runPretrain with a named recipe', () => {
  // two epochs of 32 tiny crops: every part of the recipe runs (LAMB, cosine, BCE, mixing, RandAugment, drop
  // path / label smoothing, erasing, EMA); learning is the base run's test's business
  it.each(['rsb', 'tnr'])(
    '%s writes its checkpoint and the record beside it',
    async (recipe) => {
      const out = path.join(dir, `${recipe}.safetensors`);
      const losses: number[] = [];
      const result = await runPretrain({
        out,
        recipe,
        epochs: 2,
        seed: 3,
        depth: 18,
        width: 0.125,
        imageSize: 32,
        trainImages: 32,
        valImages: 15,
        batchSize: 16,
        onEpoch: (_e, m) => void losses.push(m['loss'] ?? Number.NaN),
      });
      expect(losses).toHaveLength(2);
      // BCE and smoothed / mixed cross-entropy are never 0; about log 15 (CE) or 15 log 2 / 15 (BCE) at the start
      for (const l of losses) expect(l).toBeGreaterThan(0.1);
      for (const l of losses) expect(l).toBeLessThan(10);
      const record = JSON.parse(
        await readFile(checkpointRecordPath(out), 'utf8'),
      ) as CheckpointRecord;
      expect(record).toMatchObject({ recipe, seed: 3, epochs: 2, top1: result.metrics['top1'] });
      expect(record.recipeSettings?.epochs).toBe(30);
      expect((await readSafetensors(out)).metadata['recipe']).toBe(recipe);
    },
    120_000,
  );
});
