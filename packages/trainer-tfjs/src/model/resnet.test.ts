import { readFileSync } from 'node:fs';

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { maxRelError } from '../testing/rel-error.ts';

import { deterministicInput, fillDeterministic } from './deterministic-weights.ts';
import { createClassificationHead } from './head.ts';
import { applyBnUpdates, type BnUpdate } from './layers.ts';
import { disposeStore, mergeStores, paramRoles, tfToTorch, trainableVariables } from './params.ts';
import { createResNet, type ResNetConfig } from './resnet.ts';

interface Map4 {
  shape: number[];
  values: number[];
  stride?: number;
  sum?: number;
}

interface EvalFixture {
  config: { depth: 18 | 34 | 50; width: number; style: 'pytorch' | 'caffe'; numClasses: number };
  stateDict: Array<[string, number[]]>;
  input: { shape: number[]; seedName: string };
  c2: Map4;
  c3: Map4;
  c4: Map4;
  c5: Map4;
  logits: number[];
}

interface TrainFixture {
  config: { depth: 18; width: number; frozenStages: number; normEval: boolean };
  input: { shape: number[]; seedName: string };
  c5: Map4;
  runningStats: Record<string, number[]>;
}

function fixture<T>(name: string): T {
  return JSON.parse(
    readFileSync(new URL(`../../fixtures/model/${name}.json`, import.meta.url), 'utf8'),
  ) as T;
}

/** The deterministic NCHW input of a fixture, as NHWC. */
function input(spec: { shape: number[]; seedName: string }): tf.Tensor4D {
  const nchw = tf.tensor(deterministicInput(spec.shape, spec.seedName), spec.shape, 'float32');
  const nhwc = tf.transpose(nchw, [0, 2, 3, 1]) as tf.Tensor4D;
  nchw.dispose();
  return nhwc;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('ResNet against torchvision (fixtures/model, deterministic weights)', () => {
  const cases = ['resnet18_w1', 'resnet34_w025', 'resnet50_w025_pytorch', 'resnet50_w025_caffe'];
  for (const name of cases) {
    it(`${name}: torchvision keys and shapes, C2..C5 and logits to 1e-4`, () => {
      const f = fixture<EvalFixture>(name);
      const backbone = createResNet({
        depth: f.config.depth,
        width: f.config.width,
        style: f.config.style,
      });
      const head = createClassificationHead({
        inChannels: backbone.outChannels[3],
        numClasses: f.config.numClasses,
      });
      const store = mergeStores({ params: backbone.params }, { params: head.params });
      expect([...store].map(([k, e]) => [k, e.torchShape])).toEqual(f.stateDict);
      fillDeterministic(store);
      const x = input(f.input);
      const feats = backbone.forward(x);
      const logits = head.forward(feats.c5);
      expect(feats.c5.shape).toEqual(f.c5.shape);
      for (const level of ['c2', 'c3', 'c4', 'c5'] as const) {
        expect(maxRelError(feats[level], f[level])).toBeLessThan(1e-4);
      }
      expect(maxRelError(logits, f.logits)).toBeLessThan(1e-4);
      tf.dispose([x, logits, ...Object.values(feats)]);
      disposeStore(store);
    }, 20_000);
  }
});

describe('training mode and frozen stages (mmdet semantics)', () => {
  for (const name of ['resnet18_train', 'resnet18_train_frozen1']) {
    it(`${name}: batch-statistics BN output and running averages match torch`, () => {
      const f = fixture<TrainFixture>(name);
      const { width, frozenStages } = f.config;
      const cfg: ResNetConfig = { depth: 18, width, normEval: false, frozenStages };
      const model = createResNet(cfg);
      fillDeterministic(model.params);
      const updates: BnUpdate[] = [];
      const x = input(f.input);
      const feats = model.forward(x, { training: true, bnUpdates: updates });
      expect(maxRelError(feats.c5, f.c5)).toBeLessThan(1e-4);
      applyBnUpdates(model.params, updates);
      for (const [key, expected] of Object.entries(f.runningStats)) {
        const t = tf.tensor(tfToTorch(model.params.get(key)!));
        expect(maxRelError(t, expected)).toBeLessThan(1e-5);
        t.dispose();
      }
      tf.dispose([x, ...Object.values(feats)]);
      disposeStore(model.params);
    });
  }

  it('frozen_stages=1 freezes the stem and layer1; buffers are never trainable', () => {
    const model = createResNet({ depth: 18, width: 0.125, frozenStages: 1 });
    const names = Object.keys(trainableVariables(model.params));
    expect(
      names.some((n) => n.startsWith('conv1') || n.startsWith('bn1') || n.startsWith('layer1.')),
    ).toBe(false);
    expect(names).toContain('layer2.0.conv1.weight');
    expect(names).toContain('layer2.0.bn1.weight');
    expect(names.some((n) => n.includes('running_'))).toBe(false);
    disposeStore(model.params);
  });

  it('norm_eval keeps running statistics in training mode and reports no updates', () => {
    const model = createResNet({ depth: 18, width: 0.125 });
    const x = tf.randomUniform([2, 32, 32, 3], -1, 1, 'float32', 1) as tf.Tensor4D;
    const updates: BnUpdate[] = [];
    const train = model.forward(x, { training: true, bnUpdates: updates }).c5;
    const test = model.forward(x).c5;
    expect(updates).toHaveLength(0);
    expect(maxRelError(train, Array.from(test.dataSync()))).toBe(0);
    tf.dispose([x, train, test]);
    disposeStore(model.params);
  });

  it('marks norm weights and biases for the optimizer decay rules', () => {
    const model = createResNet({ depth: 50, width: 0.0625, deepStem: true });
    const roles = paramRoles(model.params);
    expect(roles['stem.1.weight']).toEqual({ isNorm: true, isBias: false });
    expect(roles['layer1.0.downsample.1.bias']).toEqual({ isNorm: true, isBias: true });
    expect(roles['stem.0.weight']).toEqual({ isNorm: false, isBias: false });
    expect(roles['layer1.0.bn1.running_mean']).toBeUndefined();
    disposeStore(model.params);
  });
});
