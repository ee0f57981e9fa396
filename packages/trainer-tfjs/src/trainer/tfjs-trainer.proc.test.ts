import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import {
  PermanentTrialError,
  type EpochMetrics,
  type TrainerContext,
  type TrialRun,
} from '@sweeps/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../../../test/support/wait-for.ts';

import { createTfjsTrainer } from './tfjs-trainer.ts';

// End to end through a real child process (tsx + tfjs start-up takes a few seconds per trial). The child picks
// its backend automatically: wasm here, never plain cpu.
const tinyOptions = {
  task: 'classification',
  depth: 18,
  width: 0.125,
  image_size: 32,
  train_images: 32,
  val_images: 16,
  batch_size: 16,
  frozen_stages: -1,
  warmup_iters: 0,
};

const trial = (over: Partial<TrialRun> = {}): TrialRun => ({
  trialId: 'trial-1',
  sweepId: 'sweep-1',
  seed: 0,
  metricName: 'top1',
  checkpoint: { name: 'random', uri: 'scratch' },
  optimizer: 'SGD',
  params: { lr: 0.05, weight_decay: 1e-4, momentum: 0.9 },
  fixed: { epochs: 2 },
  trainer: { kind: 'tfjs', options: tinyOptions },
  ...over,
});

function context(trialDir: string, signal = new AbortController().signal) {
  const epochs: Array<[number, EpochMetrics]> = [];
  const logs: string[] = [];
  const ctx: TrainerContext = {
    reportEpoch: async (epoch, metrics) => void epochs.push([epoch, metrics]),
    trialDir,
    signal,
    env: { SWEEPS_TEST_SLOT: '0' },
    log: (l) => logs.push(l),
  };
  return { ctx, epochs, logs };
}

/** Live (not zombie) processes whose environment holds `entry` (NAME=value): a trial's and its descendants'. */
function processesWith(entry: string): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        const marked = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(entry);
        return marked && !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
      } catch {
        return false; // gone, or not ours to read
      }
    })
    .map(Number);
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sweeps-tfjs-trainer-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('createTfjsTrainer', () => {
  it('runs a trial in a child process, reports every epoch and records the backend', async () => {
    const { ctx, epochs, logs } = context(path.join(dir, 'ok'));
    const result = await createTfjsTrainer().run(trial(), ctx);
    expect(epochs.map(([e]) => e)).toEqual([1, 2]);
    expect(Object.keys(epochs[0]![1]).sort()).toEqual([
      'elapsed_s',
      'loss',
      'loss_cls',
      'lr',
      'top1',
      'val_loss',
    ]);
    expect(result.metrics).toEqual(epochs[1]![1]);
    expect(result.backend).toBe('wasm');
    expect(result.device).toMatch(/^wasm-simd/);
    expect(logs.join('\n')).toContain('backend wasm');
    expect(await readdir(path.join(dir, 'ok'))).toContain('epoch-0002.json');
    // A retry of a finished attempt resumes after its last epoch: nothing left to train, same final metrics.
    const retry = context(path.join(dir, 'ok'));
    retry.ctx.resumeFrom = path.join(dir, 'ok', 'epoch-0002.json');
    const again = await createTfjsTrainer().run(trial(), retry.ctx);
    expect(retry.epochs).toEqual([]);
    expect(again.metrics).toEqual(result.metrics);
    expect(retry.logs.join('\n')).toContain('after epoch 2');
  }, 30_000);

  it.skipIf(process.getuid?.() !== 0)(
    'runs its child as the trial user when the worker drops privileges',
    async () => {
      const open = await mkdtemp(path.join(tmpdir(), 'sweeps-tfjs-run-as-'));
      await chmod(open, 0o755); // the trial user must reach its trial directory
      const snap = path.join(open, 'snap');
      await mkdir(snap);
      await chown(snap, 65534, 65534);
      const { ctx, epochs } = context(snap);
      ctx.runAs = { uid: 65534, gid: 65534 };
      try {
        await createTfjsTrainer().run(trial({ fixed: { epochs: 1 } }), ctx);
        expect(epochs.map(([e]) => e)).toEqual([1]);
        expect((await stat(path.join(snap, 'epoch-0001.json'))).uid).toBe(65534);
      } finally {
        await rm(open, { recursive: true, force: true });
      }
    },
    30_000,
  );

  it('maps a diverged run to PermanentTrialError(diverged)', async () => {
    const { ctx } = context(path.join(dir, 'nan'));
    const error = await createTfjsTrainer()
      .run(trial({ params: { lr: 3e38, weight_decay: 0, momentum: 0.9 } }), ctx)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentTrialError);
    expect((error as PermanentTrialError).reason).toBe('diverged');
    expect((error as Error).message).toMatch(/^loss diverged at epoch 1, iteration \d+/);
  }, 30_000);

  it('refuses bad options and a missing checkpoint before starting a process', async () => {
    const { ctx } = context(path.join(dir, 'bad'));
    const bad = trial({ trainer: { kind: 'tfjs', options: { ...tinyOptions, width: -1 } } });
    await expect(createTfjsTrainer().run(bad, ctx)).rejects.toThrow(/trainer\.options\.width/);
    const missing = trial({
      checkpoint: { name: 'r18-base', uri: path.join(dir, 'missing.safetensors') },
    });
    await expect(createTfjsTrainer().run(missing, ctx)).rejects.toMatchObject({
      reason: 'invalid',
      message: expect.stringContaining('not found'),
    });
  });

  it('kills the trial process group when aborted', async () => {
    const stop = new AbortController();
    const { ctx, epochs } = context(path.join(dir, 'abort'), stop.signal);
    const mark = `SWEEPS_TEST_MARK=${randomBytes(6).toString('hex')}`;
    ctx.env = { ...ctx.env, SWEEPS_TEST_MARK: mark.split('=')[1]! };
    const long = trial({ fixed: { epochs: 500 } });
    let runningWithMark: number[] = [];
    ctx.reportEpoch = async (epoch, metrics) => {
      epochs.push([epoch, metrics]);
      runningWithMark = processesWith(mark);
      stop.abort(new Error('cancelled by test'));
    };
    await expect(createTfjsTrainer({ killGraceMs: 2000 }).run(long, ctx)).rejects.toThrow(
      'cancelled by test',
    );
    expect(epochs).toHaveLength(1);
    expect(runningWithMark.length).toBeGreaterThan(0); // the trial's process, while it ran
    await waitFor(
      'the trial processes to end',
      async () => processesWith(mark).length === 0,
      10_000,
      50,
    );
  }, 30_000);
});
