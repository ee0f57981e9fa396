import { readFileSync } from 'node:fs';

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { maxRelError } from '../testing/rel-error.ts';

// tfjs-core's Node build registers no gradients; the backend module registers them (see its comment).
import '../backend/tfjs-gradients.ts';
import { createOptimizer } from '../optim/optimizer.ts';
import { deterministicInput, fillDeterministic } from './deterministic-weights.ts';
import { createClassificationHead } from './head.ts';
import { applyBnUpdates, type BnUpdate } from './layers.ts';
import {
  disposeStore,
  mergeStores,
  paramRoles,
  tfToTorch,
  toTorchLayout,
  trainableVariables,
} from './params.ts';
import { createResNet } from './resnet.ts';

interface GradFixture {
  input: { shape: number[]; seedName: string };
  lossWeights: number[];
  loss: number;
  grads: Record<string, number[]>;
  frozen: string[];
}

const f = JSON.parse(
  readFileSync(new URL('../../fixtures/model/resnet18_grad.json', import.meta.url), 'utf8'),
) as GradFixture;

function build() {
  const backbone = createResNet({ depth: 18, width: 0.125, frozenStages: 1, normEval: false });
  const head = createClassificationHead({ inChannels: backbone.outChannels[3], numClasses: 10 });
  const store = mergeStores({ params: backbone.params }, { params: head.params });
  fillDeterministic(store);
  const nchw = tf.tensor(deterministicInput(f.input.shape, f.input.seedName), f.input.shape);
  const x = tf.transpose(nchw, [0, 2, 3, 1]) as tf.Tensor4D;
  nchw.dispose();
  const r = tf.tensor(f.lossWeights, [2, 10]);
  const loss = (updates?: BnUpdate[]) =>
    tf.sum(
      tf.mul(head.forward(backbone.forward(x, { training: true, bnUpdates: updates }).c5), r),
    ) as tf.Scalar;
  return { store, x, r, loss };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('a training step on the cpu backend against torch autograd (fixtures/model/resnet18_grad.json)', () => {
  it('gradients of trainable parameters match torch; frozen stages get none; AdamW lowers the loss', () => {
    const m = build();
    const trainable = trainableVariables(m.store);
    const frozen = [...m.store]
      .filter(([k, e]) => !e.kind.startsWith('running_') && !(k in trainable))
      .map(([k]) => k);
    expect(frozen).toEqual(f.frozen);
    const keyOf = new Map(Object.entries(trainable).map(([k, v]) => [v.name, k]));
    const updates: BnUpdate[] = [];
    const { value, grads } = tf.variableGrads(() => m.loss(updates), Object.values(trainable));
    expect(Math.abs(value.dataSync()[0]! - f.loss) / Math.abs(f.loss)).toBeLessThan(1e-4);
    const byKey = Object.fromEntries(
      Object.entries(grads).map(([name, g]) => [keyOf.get(name)!, g]),
    );
    for (const [key, expected] of Object.entries(f.grads)) {
      // 1e-3 of the largest gradient: batch-statistics BN over 2 images x a few pixels (layer4 sees 2 values
      // per channel) is ill-conditioned, so float32 rounding shows more than in eval mode (seen: 4e-4).
      expect(
        maxRelError(toTorchLayout(m.store.get(key)!.layout, byKey[key]!), expected),
      ).toBeLessThan(1e-3);
    }
    const stemMean = tfToTorch(m.store.get('bn1.running_mean')!);
    const layer2Mean = tfToTorch(m.store.get('layer2.0.bn1.running_mean')!);
    const config = { name: 'AdamW', lr: 1e-3, weight_decay: 0.05 } as const;
    const opt = createOptimizer(config, trainable, { roles: paramRoles(m.store) });
    opt.step(byKey, 1e-3);
    applyBnUpdates(m.store, updates);
    expect(tfToTorch(m.store.get('bn1.running_mean')!)).toEqual(stemMean);
    expect(tfToTorch(m.store.get('layer2.0.bn1.running_mean')!)).not.toEqual(layer2Mean);
    const after = m.loss();
    expect(after.dataSync()[0]!).toBeLessThan(value.dataSync()[0]!);
    tf.dispose([value, after, m.x, m.r, ...Object.values(grads)]);
    opt.dispose();
    disposeStore(m.store);
  });
});
