import { readFileSync } from 'node:fs';

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../backend/select-backend.ts';
import { ADAMW_UPDATE_KERNEL, hasFusedUpdate } from './fused-update.ts';
import { testNative } from '../testing/native.ts';
import { maxElementwiseRelError } from '../testing/rel-error.ts';

import { createOptimizer } from './optimizer.ts';
import type { OptimizerConfig, ParamRole } from './types.ts';

interface OptimFixture {
  config: OptimizerConfig;
  params: Record<string, { shape: number[]; isNorm: boolean; isBias: boolean; values: number[] }>;
  grads: Array<Record<string, number[]>>;
  lrs: number[];
  expected: Array<Record<string, number[]>>;
  clipTotalNorms: number[];
}

const CASES = [
  'sgd_plain',
  'sgd_momentum',
  'sgd_nesterov',
  'sgd_dampening',
  'sgd_clip',
  'adamw',
  'adamw_betas',
  'adamw_clip',
];

function loadFixture(name: string): OptimFixture {
  const url = new URL(`../../fixtures/optim/${name}.json`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as OptimFixture;
}

/**
 * Largest |a - b| / (|b| + 0.1): 1e-6 relative for values of size >= 0.1 and 1e-7 absolute near zero. torch's
 * CPU kernels fuse `a + alpha * b` (AVX2 fmadd) where TF.js rounds twice, so single elements differ by an ulp;
 * where an update cancels a parameter to near zero that ulp is large relative to the result.
 */
const maxOptimError = (a: ArrayLike<number>, e: readonly number[]) =>
  maxElementwiseRelError(a, e, 0.1);

function setup(f: OptimFixture) {
  const params: Record<string, tf.Variable> = {};
  const roles: Record<string, ParamRole> = {};
  for (const [name, p] of Object.entries(f.params)) {
    params[name] = tf.variable(tf.tensor(p.values, p.shape, 'float32'));
    roles[name] = { isNorm: p.isNorm, isBias: p.isBias };
  }
  return { params, roles };
}

function runSteps(
  f: OptimFixture,
  opt: ReturnType<typeof createOptimizer>,
  params: Record<string, tf.Variable>,
  [from, to]: [number, number],
) {
  const errors: number[] = [];
  const norms: Array<Promise<number>> = [];
  for (let t = from; t < to; t++) {
    const grads: Record<string, tf.Tensor> = {};
    for (const [name, g] of Object.entries(f.grads[t] ?? {})) {
      grads[name] = tf.tensor(g, f.params[name]?.shape, 'float32');
    }
    const { gradNorm } = opt.step(grads, f.lrs[t] as number);
    if (gradNorm !== undefined) norms.push(gradNorm);
    tf.dispose(Object.values(grads));
    errors.push(stepError(f, t, params));
  }
  return { errors, norms: Promise.all(norms) };
}

function stepError(f: OptimFixture, t: number, params: Record<string, tf.Variable>): number {
  let worst = 0;
  for (const [name, expected] of Object.entries(f.expected[t] ?? {})) {
    worst = Math.max(worst, maxOptimError((params[name] as tf.Variable).dataSync(), expected));
  }
  return worst;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Selects a backend: `wasm` with its tf ops, `native` (wasm with the native fused updates), or `cpu`. */
async function use(backend: 'cpu' | 'wasm' | 'native'): Promise<void> {
  if (backend === 'cpu') await selectBackend({ force: 'cpu' });
  else
    await selectBackend({ force: 'wasm', nativeKernels: backend === 'wasm' ? 'off' : 'require' });
}

for (const backend of ['cpu', 'wasm', ...(testNative ? (['native'] as const) : [])] as const)
  describe(`createOptimizer against torch 1.13 (fixtures/optim) on ${backend}`, () => {
    beforeAll(async () => {
      await use(backend);
      expect(hasFusedUpdate(ADAMW_UPDATE_KERNEL)).toBe(backend === 'native');
    });

    for (const name of CASES) {
      it(`${name}: every step matches to 1e-6 relative`, async () => {
        const f = loadFixture(name);
        const { params, roles } = setup(f);
        const opt = createOptimizer(f.config, params, { roles });
        const { errors, norms } = runSteps(f, opt, params, [0, f.lrs.length]);
        for (const e of errors) expect(e).toBeLessThanOrEqual(1e-6);
        expect(maxOptimError(await norms, f.clipTotalNorms)).toBeLessThanOrEqual(1e-6);
        opt.dispose();
        tf.dispose(Object.values(params));
      });
    }

    for (const name of ['sgd_momentum', 'adamw_clip']) {
      it(`${name}: resumes from getStateAsync/setState into a new optimizer`, async () => {
        const f = loadFixture(name);
        const first = setup(f);
        const opt = createOptimizer(f.config, first.params, { roles: first.roles });
        runSteps(f, opt, first.params, [0, 3]);
        const state = await opt.getStateAsync();
        const second = setup(f);
        for (const [n, v] of Object.entries(first.params)) second.params[n]?.assign(v);
        const resumed = createOptimizer(f.config, second.params, { roles: second.roles });
        resumed.setState(state);
        const { errors } = runSteps(f, resumed, second.params, [3, f.lrs.length]);
        for (const e of errors) expect(e).toBeLessThanOrEqual(1e-6);
        [opt, resumed].forEach((o) => {
          o.dispose();
        });
        tf.dispose([...Object.values(first.params), ...Object.values(second.params)]);
      });
    }
  });

describe.skipIf(!testNative)('the native fused updates', () => {
  it.each(CASES)('%s: the same bits as the tf ops on wasm, every step', async (name) => {
    const f = loadFixture(name);
    const run = async (backend: 'wasm' | 'native') => {
      await use(backend);
      const { params, roles } = setup(f);
      const opt = createOptimizer(f.config, params, { roles });
      const steps: Float32Array[][] = [];
      for (let t = 0; t < f.lrs.length; t++) {
        runSteps(f, opt, params, [t, t + 1]);
        steps.push(Object.values(params).map((p) => Float32Array.from(p.dataSync())));
      }
      opt.dispose();
      tf.dispose(Object.values(params));
      return steps;
    };
    expect(await run('native')).toEqual(await run('wasm'));
  });
});

describe('createOptimizer checks', () => {
  it('refuses Nesterov without momentum or with dampening, as torch does', () => {
    const params = { w: tf.variable(tf.zeros([2])) };
    expect(() => createOptimizer({ name: 'SGD', lr: 0.1, nesterov: true }, params)).toThrow(
      /Nesterov/,
    );
    const damped = { name: 'SGD', lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true } as const;
    expect(() => createOptimizer(damped, params)).toThrow(/Nesterov/);
    params.w.dispose();
  });

  it('refuses a gradient for an unknown parameter and a foreign state entry', async () => {
    const params = { w: tf.variable(tf.zeros([2])) };
    const opt = createOptimizer({ name: 'AdamW', lr: 0.1 }, params);
    const g = tf.ones([2]);
    expect(() => opt.step({ v: g }, 0.1)).toThrow(/unknown parameter 'v'/);
    expect(() => opt.setState({ 'momentum_buffer/w': new Float32Array(2) })).toThrow(
      /unexpected entry/,
    );
    expect(() => opt.setState({ 'exp_avg/w': new Float32Array(3) })).toThrow(/3 values/);
    opt.step({ w: g }, 0.1);
    expect(Object.keys(await opt.getStateAsync()).sort()).toEqual([
      'exp_avg/w',
      'exp_avg_sq/w',
      'step/w',
    ]);
    opt.dispose();
    tf.dispose([g, params.w]);
  });

  it('uses torch defaults for weight decay (SGD 0, AdamW 0.01)', () => {
    const params = { 'fc.weight': tf.variable(tf.zeros([1])) };
    expect(createOptimizer({ name: 'SGD', lr: 1 }, params).weightDecays['fc.weight']).toBe(0);
    expect(createOptimizer({ name: 'AdamW', lr: 1 }, params).weightDecays['fc.weight']).toBe(0.01);
    params['fc.weight'].dispose();
  });
});
