import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  expectDetectionEpoch,
  generateTinyDetectionSet,
  tinyDetectionTrial,
  tinyDetectorOptions,
} from '../testing/tiny-detection.ts';
import { resolvePlan } from './options.ts';
import { runTfjsChild } from './tfjs-child.ts';

// The tiny detection trial (testing/tiny-detection.ts) on the automatically selected backend (wasm here).
let dir: string;
let dataDir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sweeps-detection-'));
  dataDir = generateTinyDetectionSet(dir);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const trial = (options: Record<string, unknown>) => tinyDetectionTrial('det-1', options);

describe('the detection task', () => {
  it('is the default task once the detector is built in, and needs data_dir', () => {
    expect(() => resolvePlan(trial({}))).toThrow(
      'trainer.options.data_dir: required for task "detection"',
    );
    expect(() => resolvePlan(trial({ data_dir: path.join(dir, 'nope') }))).toThrow(
      /trainer\.options\.data_dir: .*nope not found/,
    );
    expect(resolvePlan(trial({ data_dir: dataDir })).task).toBe('detection');
  });

  it('trains Faster R-CNN on data/ batches and reports the four losses and COCO bbox mAP per epoch', async () => {
    const epochs: Array<Record<string, number>> = [];
    const outcome = await runTfjsChild(
      { trial: trial(tinyDetectorOptions(dataDir)) },
      { onEpoch: (_e, m) => void epochs.push(m), log: () => {} },
    );
    expect(epochs).toHaveLength(1);
    expectDetectionEpoch(epochs[0]!);
    expect(outcome.backend).not.toBe('cpu');
  }, 30_000);
});
