import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import type { BackendName, SelectedBackend } from './backend-probes.ts';
import { isNativeKernelRegistered } from './native/register-native.ts';
import { testNative } from '../testing/native.ts';
import {
  automaticOrder,
  BackendUnavailableError,
  parseBackendName,
  selectBackend,
} from './select-backend.ts';

/** Probes that record the order they were tried in and succeed only for `working`. */
function fakeProbes(
  working: BackendName[],
  tried: BackendName[],
): Record<BackendName, () => Promise<SelectedBackend>> {
  const make = (name: BackendName) => async (): Promise<SelectedBackend> => {
    tried.push(name);
    if (!working.includes(name)) throw new Error(`${name} is not here`);
    return { name, tfjsBackend: name, device: `fake ${name}`, details: {} };
  };
  return {
    tensorflow: make('tensorflow'),
    webgpu: make('webgpu'),
    'tensorflow-cpu': make('tensorflow-cpu'),
    wasm: make('wasm'),
    cpu: make('cpu'),
  };
}

const resolves = (pkg: string): boolean => {
  try {
    createRequire(import.meta.url).resolve(pkg);
    return true;
  } catch {
    return false;
  }
};

describe('selectBackend', () => {
  it('tries tfjs-node-gpu, WebGPU, tfjs-node, wasm in that order and records what it passed by', async () => {
    const tried: BackendName[] = [];
    const selected = await selectBackend({ probes: fakeProbes(['tensorflow-cpu', 'wasm'], tried) });
    expect(tried).toEqual(['tensorflow', 'webgpu', 'tensorflow-cpu']);
    expect(selected.name).toBe('tensorflow-cpu');
    expect(selected.skipped?.map((s) => s.name)).toEqual(['tensorflow', 'webgpu']);
  });

  it('never falls back to the plain cpu backend, and says what it tried', async () => {
    const tried: BackendName[] = [];
    const failure = await selectBackend({ probes: fakeProbes(['cpu'], tried) }).catch(
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(BackendUnavailableError);
    expect(tried).toEqual([...automaticOrder]);
    const message = (failure as Error).message;
    for (const name of automaticOrder) expect(message).toContain(`${name}: ${name} is not here`);
    expect(message).toContain('plain cpu backend is never chosen');
  });

  it('uses only the forced backend, without fallback', async () => {
    const tried: BackendName[] = [];
    await expect(
      selectBackend({ force: 'webgpu', probes: fakeProbes(['wasm'], tried) }),
    ).rejects.toThrow("backend 'webgpu' was forced");
    expect(tried).toEqual(['webgpu']);
  });

  it('activates wasm with SIMD and the training kernels, and records the CPU', async () => {
    const selected = await selectBackend({ force: 'wasm', nativeKernels: 'off' });
    expect(selected).toMatchObject({ name: 'wasm', tfjsBackend: 'wasm', details: { simd: true } });
    expect(selected.device).toMatch(/^wasm-simd \(1 thread\), .+/);
    expect(tf.getBackend()).toBe('wasm');
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    expect(isNativeKernelRegistered('Conv2D')).toBe(false);
  });

  it.skipIf(!testNative)(
    'puts the native kernels in front of wasm where they are built, and says so',
    async () => {
      const selected = await selectBackend({ force: 'wasm', nativeKernels: 'require' });
      expect(selected.device).toMatch(
        /^wasm-simd \(1 thread\) \+ native convolutions \(oneDNN \d+\.\d+\.\d+ [^,]+, 1 thread\), .+/,
      );
      for (const kernel of [
        'Conv2D',
        'Conv2DBackpropInput',
        'Conv2DBackpropFilter',
        'SweepsBatchNormTrain',
      ]) {
        expect(isNativeKernelRegistered(kernel), kernel).toBe(true);
      }
      // Back to wasm's own: XNNPACK's Conv2D and this project's gradients.
      await selectBackend({ force: 'wasm', nativeKernels: 'off' });
      expect(isNativeKernelRegistered('Conv2D')).toBe(false);
      expect(isNativeKernelRegistered('Conv2DBackpropFilter')).toBe(false);
    },
  );

  it('names why native kernels that are required cannot be used', async () => {
    process.env['SWEEPS_TFJS_NATIVE'] = '0';
    try {
      await expect(selectBackend({ force: 'wasm', nativeKernels: 'require' })).rejects.toThrow(
        "backend 'wasm' was forced but could not be used: wasm: the native convolution kernels are required but turned off (SWEEPS_TFJS_NATIVE=0)",
      );
    } finally {
      delete process.env['SWEEPS_TFJS_NATIVE'];
    }
  });

  it('gives the plain cpu backend only when forced', async () => {
    const selected = await selectBackend({ force: 'cpu' });
    expect(selected.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    const automatic = await selectBackend();
    expect(automatic.name).not.toBe('cpu');
  });

  it.skipIf(resolves('@tensorflow/tfjs-node-gpu'))(
    'explains a forced tfjs-node-gpu that is not installed',
    async () => {
      await expect(selectBackend({ force: 'tensorflow' })).rejects.toThrow(
        /tensorflow: .*@tensorflow\/tfjs-node-gpu/,
      );
    },
  );

  it('parses --backend values', () => {
    expect(parseBackendName('webgpu')).toBe('webgpu');
    expect(() => parseBackendName('webgl')).toThrow('unknown backend');
  });

  it('keeps tfjs-node-gpu an optional dependency', () => {
    const pkg = JSON.parse(
      readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
    ) as { optionalDependencies?: Record<string, string> };
    expect(pkg.optionalDependencies?.['@tensorflow/tfjs-node-gpu']).toBeDefined();
  });
});
