import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runDemo } from './demo-train.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'sweeps-demo-train-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('demo:train', () => {
  it('generates its set once, fine-tunes and reports epochs with bbox mAP and elapsed time', async () => {
    const epochs: Array<[number, Record<string, number>]> = [];
    const logs: string[] = [];
    const options = {
      cacheDir: dir, epochs: 1, optimizer: 'AdamW', lr: 1e-4, weightDecay: 0.05, batchSize: 4, trainImages: 6, valImages: 3,
      pretrainEpochs: 1, scratch: true, log: (l: string) => void logs.push(l), onEpoch: (e: number, m: Record<string, number>) => void epochs.push([e, m]),
    };
    const final = await runDemo(options);
    expect(epochs.map((e) => e[0])).toEqual([1]);
    expect(epochs[0]![1]).toHaveProperty('bbox_mAP');
    expect(epochs[0]![1].elapsed_s).toBeGreaterThan(0);
    expect(final.bbox_mAP).toBe(epochs[0]![1].bbox_mAP);
    expect(logs.some((l) => l.startsWith('generating the demo detection set'))).toBe(true);
    logs.length = 0;
    await runDemo({ ...options, onEpoch: () => {} });
    expect(logs.some((l) => l.startsWith('generating'))).toBe(false); // cached
  }, 120_000);
});
