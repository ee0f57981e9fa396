import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { deterministicInput, deterministicTensor } from '../model/deterministic-weights.ts';
import { createClassificationHead, type ClassificationHead } from '../model/head.ts';
import { disposeStore, mergeStores, tfToTorch, type ParamStore } from '../model/params.ts';
import { createResNet, type ResNet } from '../model/resnet.ts';
import { CheckpointError } from './errors.ts';
import { loadBackboneWeights } from './load.ts';
import { saveModelSafetensors } from './save.ts';

interface Expected {
  width: number;
  numClasses: number;
  input: { shape: number[]; seedName: string };
  logits: number[];
  logitsF16Weights: number[];
  keys: string[];
}

const fixture = (name: string) =>
  new URL(`../../fixtures/checkpoint/${name}`, import.meta.url).pathname;
const expected = JSON.parse(readFileSync(fixture('expected.json'), 'utf8')) as Expected;
const tmp = mkdtempSync(join(tmpdir(), 'sweeps-ckpt-'));
const logs: string[] = [];
const log = (m: string) => void logs.push(m);

interface Classifier {
  backbone: ResNet;
  head: ClassificationHead;
  store: ParamStore;
}

function classifier(): Classifier {
  const backbone = createResNet({ depth: 18, width: expected.width, seed: 7 });
  const inChannels = backbone.outChannels[3];
  const head = createClassificationHead({ inChannels, numClasses: expected.numClasses, seed: 7 });
  return {
    backbone,
    head,
    store: mergeStores({ params: backbone.params }, { params: head.params }),
  };
}

/** Runs backbone + fc on the fixture input and returns the worst error relative to the largest logit. */
function logitError(m: Classifier, reference: number[]): number {
  const nchw = tf.tensor(
    deterministicInput(expected.input.shape, expected.input.seedName),
    expected.input.shape,
  );
  const out = tf.tidy(() =>
    m.head.forward(m.backbone.forward(tf.transpose(nchw, [0, 2, 3, 1]) as tf.Tensor4D).c5),
  );
  const a = out.dataSync();
  const scale = Math.max(...reference.map(Math.abs));
  const worst = Math.max(...reference.map((e, i) => Math.abs((a[i] as number) - e)));
  tf.dispose([nchw, out]);
  return worst / scale;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('loadBackboneWeights: each naming scheme and format (ResNet-18 at width 1/32, torch 1.13 files)', () => {
  const full = [
    ['torchvision .pth (zip)', 'r18w32-torchvision.pth', undefined],
    ['torchvision safetensors', 'r18w32-torchvision.safetensors', undefined],
    ['mmcls .pth nested under state_dict, prefix backbone.', 'r18w32-mmcls.pth', 'backbone.'],
    [
      "torchvision reference-script .pth nested under model, DDP 'module.' keys",
      'r18w32-model-nested.pth',
      undefined,
    ],
  ] as const;
  for (const [label, file, prefix] of full) {
    it(`${label}: every key loads and the logits match torch`, async () => {
      const m = classifier();
      const result = await loadBackboneWeights({ params: m.store }, fixture(file), { prefix, log });
      if (prefix) {
        // the head is under `head.fc`, not `backbone.`: mmdet loads only the backbone and fc stays missing
        expect(result.missingKeys).toEqual(['fc.weight', 'fc.bias']);
        const head = await loadBackboneWeights({ params: m.store }, fixture(file), {
          prefix: 'head',
          log,
        });
        expect(head.loadedKeys).toEqual(['fc.weight', 'fc.bias']);
      } else {
        expect(result).toMatchObject({ missingKeys: [], unexpectedKeys: [] });
      }
      expect(logitError(m, expected.logits)).toBeLessThan(1e-4);
      disposeStore(m.store);
    });
  }

  it('timm safetensors in F16 (same keys as torchvision): matches torch run on the half-rounded weights', async () => {
    const m = classifier();
    const result = await loadBackboneWeights(
      { params: m.store },
      fixture('r18w32-timm-f16.safetensors'),
      { log },
    );
    expect(result).toMatchObject({ missingKeys: [], unexpectedKeys: [] });
    expect(logitError(m, expected.logitsF16Weights)).toBeLessThan(1e-4);
    disposeStore(m.store);
  });

  it('a detection backbone (no fc) reports fc as unexpected, in mmcv words', async () => {
    const backbone = createResNet({ depth: 18, width: expected.width });
    logs.length = 0;
    const result = await loadBackboneWeights(backbone, fixture('r18w32-torchvision.pth'), { log });
    expect(result.unexpectedKeys).toEqual(['fc.weight', 'fc.bias']);
    expect(result.missingKeys).toEqual([]);
    expect(logs).toEqual([
      'The model and loaded state dict do not match exactly\n\n' +
        'unexpected key in source state_dict: fc.weight, fc.bias\n',
    ]);
    disposeStore(backbone.params);
  });

  it('mmcls keys without the prefix: nothing loads, all reported; a prefix that matches nothing throws', async () => {
    const backbone = createResNet({ depth: 18, width: expected.width });
    const r = await loadBackboneWeights(backbone, fixture('r18w32-mmcls.pth'), { log });
    expect(r.loadedKeys).toEqual([]);
    expect(r.missingKeys).toHaveLength(backbone.params.size);
    expect(r.unexpectedKeys).toContain('backbone.conv1.weight');
    expect(r.unexpectedKeys).toContain('head.fc.bias');
    await expect(
      loadBackboneWeights(backbone, fixture('r18w32-mmcls.pth'), { prefix: 'neck', log }),
    ).rejects.toThrow(/neck\. is not in the pretrained model/);
    disposeStore(backbone.params);
  });

  it('refuses a shape mismatch, naming the key and both shapes, and changes nothing', async () => {
    const backbone = createResNet({ depth: 18, width: 1 / 16 });
    const before = tfToTorch(backbone.params.get('conv1.weight')!);
    const load = loadBackboneWeights(backbone, fixture('r18w32-torchvision.safetensors'), { log });
    await expect(load).rejects.toThrow(CheckpointError);
    await expect(load).rejects.toThrow(
      'size mismatch for conv1.weight: copying a param with shape [2, 3, 7, 7] from checkpoint, ' +
        'the shape in current model is [4, 3, 7, 7]',
    );
    expect(tfToTorch(backbone.params.get('conv1.weight')!)).toEqual(before);
    disposeStore(backbone.params);
  });
});

describe('saveModelSafetensors', () => {
  it('writes torch layouts and keys that load back into an identical model', async () => {
    const source = classifier();
    await loadBackboneWeights({ params: source.store }, fixture('r18w32-torchvision.pth'), { log });
    const path = join(tmp, 'trained.safetensors');
    await saveModelSafetensors(path, source.store);
    const copy = classifier();
    const result = await loadBackboneWeights({ params: copy.store }, path, { log });
    expect(result).toMatchObject({ missingKeys: [], unexpectedKeys: [] });
    expect(result.loadedKeys).toEqual(
      expected.keys.filter((k) => !k.endsWith('num_batches_tracked')),
    );
    expect(tfToTorch(copy.store.get('layer2.0.conv1.weight')!)).toEqual(
      deterministicTensor(
        'layer2.0.conv1.weight',
        copy.store.get('layer2.0.conv1.weight')!.torchShape,
      ),
    );
    expect(logitError(copy, expected.logits)).toBeLessThan(1e-4);
    disposeStore(source.store);
    disposeStore(copy.store);
  });
});
