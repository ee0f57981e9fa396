import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { describe, expect, it } from 'vitest';

import { selectBackend } from '../backend/select-backend.ts';
import { createRng } from '../data/rng.ts';
import { createDetector } from './detector.ts';
import { syntheticBatch } from './test-batch.ts';
import { TINY_DETECTOR } from './tiny-config.ts';

describe('the detector on the wasm backend (with backend/ training kernels)', () => {
  it('a training step gives the cpu backend loss terms and gradients', async () => {
    const batch = syntheticBatch(2, 64, 3, 1);
    await selectBackend({ force: 'cpu' });
    const d = createDetector(TINY_DETECTOR);
    const cpu = await d.computeGradients(batch, createRng(5));
    const cpuGrads = Object.fromEntries(
      Object.entries(cpu.grads).map(([k, g]) => [k, Float32Array.from(g.dataSync())]),
    );
    tf.dispose(Object.values(cpu.grads));
    await selectBackend({ force: 'wasm' });
    const wasm = await d.computeGradients(batch, createRng(5));
    for (const [k, v] of Object.entries(cpu.losses)) expect(wasm.losses[k], k).toBeCloseTo(v, 4);
    for (const [k, expected] of Object.entries(cpuGrads)) {
      const actual = wasm.grads[k]!.dataSync();
      const scale = Math.max(...expected.map(Math.abs), 1e-12);
      const worst = Math.max(...expected.map((e, i) => Math.abs(e - (actual[i] as number))));
      expect(worst / scale, k).toBeLessThan(1e-3);
    }
    tf.dispose(Object.values(wasm.grads));
    const images = tf.tensor4d(batch.images, batch.shape);
    expect((await d.predictAsync(images, batch.metas)).map((l) => l.length <= 100)).toEqual([
      true,
      true,
    ]);
    images.dispose();
    d.dispose();
  }, 30_000);
});
