import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { lavapipeEnv } from '../backend/lavapipe.ts';
import {
  expectDetectionEpoch,
  generateTinyDetectionSet,
  tinyDetectionTrial,
  tinyDetectorOptions,
} from '../testing/tiny-detection.ts';
import { parseChildLine } from './protocol.ts';

const lavapipe = lavapipeEnv();
if (!lavapipe.ok) console.warn(`WebGPU training trial test skipped: ${lavapipe.reason}`);

const trainChild = fileURLToPath(new URL('../bin/train-child.ts', import.meta.url));

// The tiny detection trial (testing/tiny-detection.ts: 8 + 4 generated images of 64-96 px, width 0.125, scale 64,
// batch 4, one epoch), forced on WebGPU in a child process that sees Mesa's lavapipe as its Vulkan driver: the
// loop, evaluation and snapshot writes must read every tensor asynchronously.
let dir: string;
let dataDir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sweeps-detection-webgpu-'));
  dataDir = generateTinyDetectionSet(dir);
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!lavapipe.ok)(
  'a detection trial on WebGPU (Dawn over Mesa lavapipe), no synchronous reads',
  () => {
    it('trains an epoch with finite losses, reports bbox mAP and writes a snapshot', async () => {
      if (!lavapipe.ok) throw new Error(lavapipe.reason);
      const trial = tinyDetectionTrial('det-webgpu', tinyDetectorOptions(dataDir));
      const config = path.join(dir, 'job.json');
      const snapshots = path.join(dir, 'snapshots');
      await writeFile(config, JSON.stringify({ trial }));
      const args = [
        '--import',
        'tsx',
        trainChild,
        '--config',
        config,
        '--backend',
        'webgpu',
        '--snapshot-dir',
        snapshots,
      ];
      const started = performance.now();
      const { stdout, stderr } = await promisify(execFile)(process.execPath, args, {
        env: { ...process.env, ...lavapipe.env },
        timeout: 110_000,
        maxBuffer: 16 << 20,
      }).catch((err: { stdout?: string; stderr?: string; message: string }) => {
        throw new Error(
          `train-child failed: ${err.message}\n${err.stdout ?? ''}\n${err.stderr?.slice(-4000) ?? ''}`,
        );
      });
      console.info(
        `WebGPU (lavapipe) detection trial: ${((performance.now() - started) / 1000).toFixed(1)} s in the child process`,
      );
      const messages = stdout.split('\n').flatMap((l) => {
        const m = parseChildLine(l);
        return m ? [m] : [];
      });
      const epochs = messages.flatMap((m) => (m.type === 'epoch' ? [m.metrics] : []));
      const final = messages.find((m) => m.type === 'final');
      expect(final, stderr.slice(-4000)).toBeDefined();
      expect(final?.type === 'final' ? final.backend : '').toBe('webgpu');
      expect(epochs).toHaveLength(1);
      expectDetectionEpoch(epochs[0]!);
      expect((await readdir(snapshots)).sort()).toEqual([
        'epoch-0001.json',
        'epoch-0001.optim.safetensors',
        'epoch-0001.weights.safetensors',
      ]);
    }, 120_000);
  },
);
