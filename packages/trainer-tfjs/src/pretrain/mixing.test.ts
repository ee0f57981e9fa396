import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';

import { recipeFixture } from '../testing/recipe-fixture.ts';
import { maxRelError } from '../testing/rel-error.ts';
import { SeededRng } from '../train/rng.ts';
import { type CutBox, cutmixBox, mixImages, sampleMixing } from './mixing.ts';

interface MixingFixture {
  shape: [number, number, number, number];
  x: number[];
  lam: number;
  mixup: number[];
  box: CutBox;
  cutmix: number[];
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('Mixup and CutMix', () => {
  it('mix images as torch does given lam and the box', () => {
    const f = recipeFixture<MixingFixture>('mixing');
    tf.tidy(() => {
      const x = tf.tensor4d(f.x, f.shape);
      expect(maxRelError(mixImages(x, { kind: 'mixup', lam: f.lam }), f.mixup)).toBeLessThan(1e-6);
      const cut = mixImages(x, { kind: 'cutmix', lam: 0.5, box: f.box });
      expect(Array.from(cut.dataSync())).toEqual(f.cutmix.map(Math.fround));
      expect(Array.from(mixImages(x, { kind: 'none' }).dataSync())).toEqual(f.x.map(Math.fround));
    });
  });

  it("by hand: timm's box for lam 0.75 on 8 x 10 centred at (1, 5), clipped, and the lam it leaves", () => {
    // sqrt(1 - 0.75) = 0.5: box 4 x 5, halves 2 and 2; rows [-1, 3) -> [0, 3), columns [3, 7)
    const { box, lam } = cutmixBox(8, 10, 0.75, 1, 5);
    expect(box).toEqual({ y0: 0, y1: 3, x0: 3, x1: 7 });
    expect(lam).toBeCloseTo(1 - 12 / 80, 12);
  });

  it('draws lam ~ Beta(alpha, alpha) and switches between the two about half the time', () => {
    const rng = new SeededRng(7);
    const u = () => rng.next();
    const mixupLams: number[] = [];
    let cutmix = 0;
    const n = 4000;
    for (let i = 0; i < n; i++) {
      const m = sampleMixing(u, { mixupAlpha: 0.2, cutmixAlpha: 1 }, 16, 16);
      if (m.kind === 'mixup') mixupLams.push(m.lam);
      if (m.kind === 'cutmix') {
        cutmix++;
        const area = (m.box.y1 - m.box.y0) * (m.box.x1 - m.box.x0);
        expect(m.lam).toBeCloseTo(1 - area / 256, 12);
      }
    }
    expect(cutmix / n).toBeGreaterThan(0.45);
    expect(cutmix / n).toBeLessThan(0.55);
    const mean = mixupLams.reduce((a, b) => a + b, 0) / mixupLams.length;
    const variance = mixupLams.reduce((a, b) => a + (b - mean) ** 2, 0) / mixupLams.length;
    expect(mean).toBeGreaterThan(0.47);
    expect(mean).toBeLessThan(0.53);
    // Beta(0.2, 0.2): variance 1 / (4 (2 alpha + 1)) = 0.1786
    expect(variance).toBeGreaterThan(0.165);
    expect(variance).toBeLessThan(0.19);
    expect(sampleMixing(u, { mixupAlpha: 0, cutmixAlpha: 0 }, 4, 4)).toEqual({ kind: 'none' });
  });
});
