import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const TRAIN = join(here, 'train.mjs');
const PRETRAIN = join(here, 'pretrain.mjs');
const tmp = mkdtempSync(join(tmpdir(), 'mnist-classifier-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a script with node and collects its output; `onLine` sees each stdout line as it arrives. */
function run(
  script: string,
  args: string[],
  onLine?: (line: string, kill: () => void) => void,
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      for (const line of chunk.split('\n').filter(Boolean))
        onLine?.(line, () => child.kill('SIGTERM'));
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

type EpochLine = {
  epoch: number;
  loss: number;
  val_loss: number;
  val_accuracy: number;
  lr: number;
};

function lines(r: Run): EpochLine[] {
  return r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as EpochLine);
}

const adamw = [
  '--optimizer',
  'AdamW',
  '--lr',
  '0.01',
  '--weight-decay',
  '0.05',
  '--seed',
  '0',
  '--epochs',
  '3',
];

// Each case starts one to three node processes (~0.6 s each when idle); the limit is generous for busy CI cores.
describe('train.mjs', { timeout: 60_000 }, () => {
  it('prints one JSON line per epoch, bit-identical for one seed, and learns', async () => {
    const [a, b] = [await run(TRAIN, adamw), await run(TRAIN, adamw)];
    expect(a.code, a.stderr).toBe(0);
    expect(b.stdout).toBe(a.stdout);
    const epochs = lines(a);
    expect(epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
    expect(Object.keys(epochs[0]!)).toEqual(['epoch', 'loss', 'val_loss', 'val_accuracy', 'lr']);
    expect(epochs[1]!.loss).toBeLessThan(epochs[0]!.loss);
    expect(epochs[2]!.loss).toBeLessThan(epochs[1]!.loss);
    expect(epochs[2]!.val_accuracy).toBeGreaterThan(0.8);
    expect(epochs[2]!.lr).toBe(0.01);
  });

  it('a different seed gives different numbers', async () => {
    const r = await run(TRAIN, [...adamw.slice(0, -4), '--seed', '1', '--epochs', '1']);
    const same = await run(TRAIN, [...adamw.slice(0, -4), '--seed', '0', '--epochs', '1']);
    expect(r.code).toBe(0);
    expect(lines(r)[0]!.loss).not.toBe(lines(same)[0]!.loss);
  });

  it('a very high SGD lr diverges: diverged line, exit 3', async () => {
    const r = await run(TRAIN, [
      '--optimizer',
      'SGD',
      '--lr',
      '10',
      '--momentum',
      '0.9',
      '--epochs',
      '3',
    ]);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout.trim())).toEqual({ epoch: 1, diverged: true });
    expect(r.stderr).toContain('loss diverged at epoch 1 (lr too high?)');
  });

  it('rejects an unknown optimizer and a missing checkpoint with exit 2', async () => {
    const bad = await run(TRAIN, ['--optimizer', 'Adam']);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toContain('unknown optimizer "Adam"');
    for (const value of [
      join(tmp, 'nope.json'),
      pathToFileURL(join(tmp, 'nope.json')).href,
      'file://nope/x.json',
    ]) {
      const missing = await run(TRAIN, ['--checkpoint', value]);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain(`checkpoint ${value} not found`);
    }
  });

  it('a pretrained checkpoint starts better than scratch at epoch 1', async () => {
    const save = join(tmp, 'pre', 'pretrained.json');
    const pre = await run(PRETRAIN, ['--save', save, '--train-size', '2000', '--epochs', '3']);
    expect(pre.code, pre.stderr).toBe(0);
    const sgd = ['--optimizer', 'SGD', '--lr', '0.03', '--weight-decay', '1e-4', '--epochs', '1'];
    const scratch = await run(TRAIN, [...sgd, '--checkpoint', 'scratch']);
    const pretrained = await run(TRAIN, [...sgd, '--checkpoint', pathToFileURL(save).href]);
    expect(pretrained.code, pretrained.stderr).toBe(0);
    expect(pretrained.stderr).toContain('loaded fc1.weight, fc1.bias');
    expect(lines(pretrained)[0]!.val_accuracy).toBeGreaterThan(
      lines(scratch)[0]!.val_accuracy + 0.02,
    );
  });

  it('loads its own --save, rejects a --hidden mismatch, exits promptly on SIGTERM', async () => {
    const save = join(tmp, 'full.json');
    const first = await run(TRAIN, [...adamw.slice(0, -2), '--epochs', '1', '--save', save]);
    expect(first.code).toBe(0);
    const again = await run(TRAIN, ['--checkpoint', save, '--epochs', '1', '--hidden', '32']);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('does not match checkpoint');
    const killed = await run(
      TRAIN,
      ['--checkpoint', save, '--epochs', '5', '--epoch-delay-ms', '10000'],
      (_l, kill) => kill(),
    );
    // its own handler ends the 10 s delay (the default action would leave code null, signal SIGTERM)
    expect(killed.stderr).toContain('received SIGTERM, stopping');
    expect(killed.code).toBe(143);
    expect(lines(killed)).toHaveLength(1);
  });
});

interface Tensor {
  data: Float32Array;
  grad: Float32Array;
}
interface OptimModule {
  createOptimizer(
    name: string,
    t: Tensor[],
    o: { lr: number; weightDecay: number; momentum: number },
  ): { step(): void };
}

describe('optimizers (PyTorch semantics)', async () => {
  const { createOptimizer } = (await import(
    pathToFileURL(join(here, 'lib', 'optim.mjs')).href
  )) as OptimModule;
  const tensor = (p: number, g: number): Tensor => ({
    data: Float32Array.of(p),
    grad: Float32Array.of(g),
  });

  it('SGD: d = g + wd*p; buf = d, then m*buf + d; p -= lr*buf', () => {
    const t = tensor(1, 0.5);
    const opt = createOptimizer('SGD', [t], { lr: 0.1, weightDecay: 0.1, momentum: 0.9 });
    opt.step(); // d = 0.6, buf = 0.6, p = 0.94
    expect(t.data[0]).toBeCloseTo(0.94, 6);
    opt.step(); // d = 0.5 + 0.094 = 0.594, buf = 0.54 + 0.594 = 1.134, p = 0.94 - 0.1134
    expect(t.data[0]).toBeCloseTo(0.8266, 6);
  });

  it('AdamW: decoupled decay, bias-corrected moments', () => {
    const t = tensor(1, 0.5);
    const opt = createOptimizer('AdamW', [t], { lr: 0.1, weightDecay: 0.1, momentum: 0 });
    opt.step(); // p = 0.99, m^ = g, v^ = g^2: step = lr * g / (|g| + eps) = 0.1
    expect(t.data[0]).toBeCloseTo(0.89, 6);
    t.grad[0] = -0.25;
    opt.step();
    const m = (0.9 * 0.05 - 0.1 * 0.25) / (1 - 0.81);
    const v = (0.999 * 0.00025 + 0.001 * 0.0625) / (1 - 0.999 ** 2);
    expect(t.data[0]).toBeCloseTo(0.89 * 0.99 - (0.1 * m) / (Math.sqrt(v) + 1e-8), 6);
  });
});
