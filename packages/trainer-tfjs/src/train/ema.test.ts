import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';

import { maxElementwiseRelError } from '../testing/rel-error.ts';
import { recipeFixture } from '../testing/recipe-fixture.ts';
import { WeightsEma, emaDecayPerUpdate } from './ema.ts';

interface EmaFixture {
  decay: number;
  shapes: Record<string, number[]>;
  values: Array<Record<string, number[]>>;
  expected: Array<Record<string, number[]>>;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('EMA of the weights', () => {
  it("matches torch's AveragedModel (use_buffers) over parameters and BN statistics", () => {
    const f = recipeFixture<EmaFixture>('ema');
    const ema = new WeightsEma(f.decay);
    f.values.forEach((step, t) => {
      const values = Object.fromEntries(
        Object.entries(step).map(([k, v]) => [k, tf.tensor(v, f.shapes[k], 'float32')]),
      );
      ema.update(values);
      tf.dispose(Object.values(values));
      for (const [k, e] of Object.entries(f.expected[t] ?? {})) {
        expect(maxElementwiseRelError(ema.values.get(k) as tf.Tensor, e, 0.01)).toBeLessThan(1e-6);
      }
    });
    expect(ema.count).toBe(f.values.length);
    ema.dispose();
  });

  it('by hand: copies first, then decays; reset makes the next update copy again', () => {
    const ema = new WeightsEma(0.75);
    const feed = (v: number) => {
      const t = tf.scalar(v);
      ema.update({ w: t });
      t.dispose();
      return (ema.values.get('w') as tf.Tensor).dataSync()[0];
    };
    expect(feed(4)).toBe(4);
    expect(feed(8)).toBe(5); // 0.75 * 4 + 0.25 * 8
    ema.reset();
    expect(feed(2)).toBe(2);
    ema.dispose();
  });

  it('an update every k iterations forgets as fast with decay^k', () => {
    expect(emaDecayPerUpdate(0.9, 2)).toBeCloseTo(0.81, 12);
    expect(() => new WeightsEma(1.5)).toThrow(RangeError);
  });
});
