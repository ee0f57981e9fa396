import { readFileSync } from 'node:fs';

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { maxRelError } from '../testing/rel-error.ts';

import { deterministicInput, fillDeterministic } from './deterministic-weights.ts';
import { createFpn, subsample2, upsampleNearest } from './fpn.ts';
import { disposeStore } from './params.ts';
import { createResNet } from './resnet.ts';

interface FpnFixture {
  backbone: { depth: 18; width: number };
  input: { shape: number[]; seedName: string };
  fpn: { inChannels: number[]; outChannels: number; numOuts: number };
  outs: Array<{ shape: number[]; values: number[]; stride?: number }>;
}

const f = JSON.parse(
  readFileSync(new URL('../../fixtures/model/fpn.json', import.meta.url), 'utf8'),
) as FpnFixture;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('FPN against MMDetection FPN.forward in torch (fixtures/model/fpn.json)', () => {
  it('P2..P6 on odd feature sizes (nearest upsample to size, max-pool P6) match to 1e-4', () => {
    const backbone = createResNet({ depth: f.backbone.depth, width: f.backbone.width });
    expect([...backbone.outChannels]).toEqual(f.fpn.inChannels);
    const neck = createFpn(f.fpn);
    expect([...neck.params.keys()].slice(0, 4)).toEqual([
      'lateral_convs.0.conv.weight',
      'lateral_convs.0.conv.bias',
      'fpn_convs.0.conv.weight',
      'fpn_convs.0.conv.bias',
    ]);
    fillDeterministic(backbone.params);
    fillDeterministic(neck.params);
    const nchw = tf.tensor(deterministicInput(f.input.shape, f.input.seedName), f.input.shape);
    const x = tf.transpose(nchw, [0, 2, 3, 1]) as tf.Tensor4D;
    const c = backbone.forward(x);
    const outs = neck.forward([c.c2, c.c3, c.c4, c.c5]);
    expect(outs.map((o) => o.shape)).toEqual(f.outs.map((o) => o.shape));
    outs.forEach((o, i) => {
      expect(maxRelError(o, f.outs[i]!)).toBeLessThan(1e-4);
    });
    tf.dispose([nchw, x, ...Object.values(c), ...outs]);
    disposeStore(backbone.params);
    disposeStore(neck.params);
  });
});

describe('nearest upsampling and stride-2 subsampling', () => {
  it('upsampleNearest equals resizeNearestNeighbor for 2x and 2x-1 targets', () => {
    const x = tf.randomUniform([2, 3, 4, 5], -1, 1, 'float32', 3) as tf.Tensor4D;
    for (const [h, w] of [
      [6, 8],
      [5, 7],
      [6, 7],
      [9, 4],
    ] as const) {
      const ours = upsampleNearest(x, h, w);
      const ref = tf.image.resizeNearestNeighbor(x, [h, w]);
      expect(Array.from(ours.dataSync())).toEqual(Array.from(ref.dataSync()));
      tf.dispose([ours, ref]);
    }
    x.dispose();
  });

  it('subsample2 equals maxPool(kernel 1, stride 2) on odd and even sizes', () => {
    for (const shape of [
      [1, 5, 7, 3],
      [2, 4, 6, 2],
      [1, 1, 1, 4],
    ] as const) {
      const x = tf.randomUniform([...shape], -1, 1, 'float32', 4) as tf.Tensor4D;
      const ours = subsample2(x);
      const ref = tf.maxPool(x, 1, 2, 'valid');
      expect(ours.shape).toEqual(ref.shape);
      expect(Array.from(ours.dataSync())).toEqual(Array.from(ref.dataSync()));
      tf.dispose([x, ours, ref]);
    }
  });
});
