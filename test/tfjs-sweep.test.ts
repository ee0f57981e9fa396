/**
 * A sweep with the built-in TF.js trainer (`kind: tfjs`) through the API and a worker process: each trial fine-tunes
 * the Faster R-CNN detector on a generated COCO set in its own process and reports COCO bbox mAP per epoch.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  generateTinyDetectionSet,
  tinyDetectorOptions,
} from '../packages/trainer-tfjs/src/testing/tiny-detection.ts';
import { REPO_ROOT, Stack } from './support/stack.ts';

const stack = new Stack();

/**
 * The backend selectBackend's automatic order picks on this machine (the first of tfjs-node-gpu, WebGPU on a
 * hardware adapter, tfjs-node, wasm that works; never plain cpu), asked of a fresh process as a trial process
 * asks it: wasm on a machine without a GPU, WebGPU where Vulkan finds one.
 */
async function automaticBackend(): Promise<{ name: string; device: string }> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'packages/trainer-tfjs/src/backend/backend-check.ts', 'auto'],
    { timeout: 90_000 },
  );
  return JSON.parse(
    stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .pop() ?? 'null',
  );
}

/** How each backend names its device in the trial record. */
const DEVICE_WORDS: Record<string, RegExp> = {
  tensorflow: /^libtensorflow CUDA/,
  webgpu: /^WebGPU \(Dawn\/Vulkan\)/,
  'tensorflow-cpu': /^libtensorflow CPU/,
  wasm: /^wasm/,
};

// Inside the worker's directories (its work dir): a tfjs trial reads data only from there.
mkdirSync(path.join(REPO_ROOT, '.data'), { recursive: true });
const dir = mkdtempSync(path.join(REPO_ROOT, '.data', 'tfjs-e2e-'));
let dataDir = '';
beforeAll(async () => {
  dataDir = generateTinyDetectionSet(dir); // the detection tests' tiny set and detector
  await stack.start({ workers: 1 });
}, 120_000);
afterAll(async () => {
  await stack.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('a tfjs sweep end to end', () => {
  it('runs each trial as a real detector fine-tuning and stores bbox mAP per epoch', async () => {
    const spec = {
      name: 'tfjs-e2e',
      metric: { name: 'bbox_mAP', goal: 'maximize' },
      trainer: {
        kind: 'tfjs',
        options: tinyDetectorOptions(dataDir),
        timeout_s: 600,
      },
      checkpoints: [{ name: 'random', uri: 'scratch', baseline: true }],
      space: { optimizer: { AdamW: { lr: [1e-4, 3e38], weight_decay: [0.05] } } },
      fixed: { epochs: 1, norm_decay_mult: 0 },
      seeds: [0],
    };
    const created = await stack.call('POST', '/api/v1/sweeps', spec);
    expect(created.status, created.text).toBe(201);
    const done = await stack.waitForPhase(created.json.id, 'finished', 240_000).catch((e) => {
      throw new Error(`${e.message}\n${stack.logs()}`);
    });
    expect(done.counts).toMatchObject({ succeeded: 1, failed: 1 });
    const trials = (await stack.call('GET', `/api/v1/sweeps/${created.json.id}/trials`)).json
      .trials as Array<{ id: string; state: string; params: { lr: number } }>;
    const ok = trials.find((t) => t.state === 'succeeded')!;
    const detail = (await stack.call('GET', `/api/v1/sweeps/${created.json.id}/trials/${ok.id}`))
      .json;
    expect(detail.params.lr).toBe(1e-4);
    const auto = await automaticBackend();
    expect(Object.keys(DEVICE_WORDS)).toContain(auto.name);
    expect(detail.backend).toBe(auto.name);
    expect(detail.device).toMatch(DEVICE_WORDS[auto.name]!);
    expect(detail.epochs).toHaveLength(1);
    for (const k of ['bbox_mAP', 'bbox_mAP_50', 'loss_rpn_cls', 'loss_cls', 'lr', 'elapsed_s'])
      expect(detail.epochs[0]).toHaveProperty(k);
    expect(detail.finalMetric).toBe(detail.epochs[0].bbox_mAP);
    const bad = (
      await stack.call(
        'GET',
        `/api/v1/sweeps/${created.json.id}/trials/${trials.find((t) => t.state === 'failed')!.id}`,
      )
    ).json;
    expect(bad.error).toMatch(/diverged/);
    expect(bad.reason).toBe('diverged');
    expect(bad.attempts).toBe(1);
  }, 300_000);
});
