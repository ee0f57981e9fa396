import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import '@tensorflow/tfjs-backend-cpu';
import { disposeStore, paramRoles } from '../model/params.ts';
import { createResNet } from '../model/resnet.ts';
import { resolveWeightDecays } from '../optim/param-groups.ts';
import { loadRecipes, recipeLrAt, recipeOptimizer } from './recipe.ts';

describe('the recipes file', () => {
  const recipes = loadRecipes();

  it('declares base, rsb and tnr with the parts the study names', () => {
    expect(Object.keys(recipes)).toEqual(['base', 'rsb', 'tnr']);
    const { base, rsb, tnr } = recipes as Required<typeof recipes>;
    expect(base?.optimizer.name).toBe('SGD');
    expect(base?.schedule.kind).toBe('step');
    expect(rsb?.optimizer.name).toBe('LAMB');
    expect(rsb?.loss.kind).toBe('bce');
    expect(rsb?.augment.rand_augment).toBeDefined();
    expect(rsb?.drop_path).toBeGreaterThan(0);
    expect(tnr?.loss.label_smoothing).toBe(0.1);
    expect(tnr?.augment.random_erasing).toBe(0.1);
    expect(tnr?.ema).toBeDefined();
    expect(tnr?.optimizer.paramwise?.norm_decay_mult).toBe(0);
    for (const r of [rsb, tnr]) {
      expect(r?.schedule.kind).toBe('cosine');
      expect(r?.epochs).toBeGreaterThan(base?.epochs ?? 0);
      expect(r?.augment.mixup_alpha).toBe(0.2);
      expect(r?.augment.cutmix_alpha).toBe(1);
    }
  });

  it('scales lr linearly from lr_batch, and leaves LAMB unscaled without it', () => {
    expect(recipeOptimizer(recipes['base']!, 32)).toMatchObject({
      name: 'SGD',
      lr: 0.0125,
      momentum: 0.9,
    });
    expect(recipeOptimizer(recipes['tnr']!, 32).lr).toBeCloseTo(0.015625, 12);
    expect(recipeOptimizer(recipes['rsb']!, 32)).toMatchObject({ name: 'LAMB', lr: 0.005 });
  });

  it('turns weight decay off for BN weights and biases (tnr), and for every bias too (rsb)', () => {
    const net = createResNet({ depth: 18, width: 0.0625 });
    const roles = paramRoles(net.params);
    const names = [...Object.keys(roles), 'fc.weight', 'fc.bias'];
    const tnr = resolveWeightDecays(names, recipeOptimizer(recipes['tnr']!, 32), roles);
    const rsb = resolveWeightDecays(names, recipeOptimizer(recipes['rsb']!, 32), roles);
    expect([
      tnr['bn1.weight'],
      tnr['layer1.0.bn2.bias'],
      tnr['layer2.0.downsample.1.weight'],
    ]).toEqual([0, 0, 0]);
    expect([tnr['conv1.weight'], tnr['fc.weight'], tnr['fc.bias']]).toEqual([2e-5, 2e-5, 2e-5]);
    expect([rsb['bn1.bias'], rsb['fc.bias'], rsb['conv1.weight']]).toEqual([0, 0, 0.01]);
    disposeStore(net.params);
  });

  it('gives the step recipe its rescaled decays and the cosine ones their warm-up', () => {
    const step = recipeLrAt(recipes['base']!, 0.1, 12, 10); // [30, 60] of 90 -> epochs 4 and 8
    expect([step(0), step(39), step(40), step(80)].map((v) => Number(v.toPrecision(6)))).toEqual([
      0.1, 0.1, 0.01, 0.001,
    ]);
    const cosine = recipeLrAt(recipes['tnr']!, 0.1, 30, 10);
    expect(cosine(0)).toBeCloseTo(0.001, 12);
    expect(cosine(10)).toBeCloseTo(0.1, 12);
    expect(cosine(299)).toBeLessThan(0.001);
  });

  it('rejects an unknown field and names where', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'sweeps-recipes-'));
    try {
      const file = path.join(dir, 'r.json');
      const bad = { x: { ...recipes['base'], loss: { kind: 'ce', smoothing: 0.1 } } };
      await writeFile(file, JSON.stringify(bad));
      expect(() => loadRecipes(file)).toThrow(/x\.loss/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
