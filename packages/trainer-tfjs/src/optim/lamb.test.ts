import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';

import { maxElementwiseRelError } from '../testing/rel-error.ts';
import { recipeFixture } from '../testing/recipe-fixture.ts';
import { createOptimizer } from './optimizer.ts';
import type { LambConfig, ParamRole } from './types.ts';

interface LambCase {
  config: {
    lr: number;
    betas: [number, number];
    eps: number;
    weight_decay: number;
    max_grad_norm: number | null;
    trust_clip?: boolean;
    always_adapt?: boolean;
  };
  params: Record<string, { shape: number[]; decays: boolean; values: number[] }>;
  grads: Array<Record<string, number[]>>;
  lrs: number[];
  expected: Array<Record<string, number[]>>;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('LAMB (timm formulation)', () => {
  const cases = recipeFixture<Record<string, LambCase>>('lamb');

  it.each(Object.keys(cases))('matches the torch reference step by step: %s', (name) => {
    const f = cases[name] as LambCase;
    const params: Record<string, tf.Variable> = {};
    const roles: Record<string, ParamRole> = {};
    for (const [k, p] of Object.entries(f.params)) {
      params[k] = tf.variable(tf.tensor(p.values, p.shape, 'float32'));
      // parameters without decay are given the norm role, which the paramwise rule below exempts
      roles[k] = { isNorm: !p.decays, isBias: false };
    }
    const config: LambConfig = {
      name: 'LAMB',
      ...f.config,
      paramwise: { norm_decay_mult: 0 },
    };
    const opt = createOptimizer(config, params, { roles });
    try {
      f.grads.forEach((step, t) => {
        const grads = Object.fromEntries(
          Object.entries(step).map(([k, g]) => [k, tf.tensor(g, f.params[k]?.shape, 'float32')]),
        );
        opt.step(grads, f.lrs[t] as number);
        tf.dispose(Object.values(grads));
        for (const [k, e] of Object.entries(f.expected[t] ?? {})) {
          expect(
            maxElementwiseRelError(params[k] as tf.Variable, e, 0.01),
            `${k} step ${t}`,
          ).toBeLessThan(2e-5);
        }
      });
    } finally {
      opt.dispose();
      tf.dispose(Object.values(params));
    }
  });

  it('one step by hand: trust ratio ||p|| / ||m_hat / sqrt(v_hat) + wd p||', () => {
    const p = tf.variable(tf.tensor1d([3, 4]));
    const opt = createOptimizer(
      { name: 'LAMB', lr: 0.1, weight_decay: 0.1, eps: 0, max_grad_norm: null },
      { w: p },
    );
    const g = tf.tensor1d([2, -1]);
    opt.step({ w: g }, 0.1);
    // first step: m_hat = g, v_hat = g², so m_hat / sqrt(v_hat) = sign(g) = [1, -1]; u = [1.3, -0.6]
    const trust = 5 / Math.sqrt(1.3 ** 2 + 0.6 ** 2);
    const got = p.dataSync();
    expect(got[0]).toBeCloseTo(3 - 0.1 * trust * 1.3, 5);
    expect(got[1]).toBeCloseTo(4 + 0.1 * trust * 0.6, 5);
    opt.dispose();
    tf.dispose([p, g]);
  });

  it('rejects grad_clip-style settings it does not have and a non-positive max_grad_norm', () => {
    const p = tf.variable(tf.zeros([1]));
    expect(() => createOptimizer({ name: 'LAMB', lr: 0.1, max_grad_norm: 0 }, { w: p })).toThrow(
      /max_grad_norm/,
    );
    p.dispose();
  });
});
