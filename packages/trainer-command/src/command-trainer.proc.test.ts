import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/support/wait-for.ts';
import { isAlive } from './testing/processes.ts';
import { PermanentTrialError, type TrainerContext, type TrialRun } from '@sweeps/core';
import { CommandTrainer } from './command-trainer.ts';
import { parseMetricLine } from './metrics/jsonl-source.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'cmd-trainer-'));
const script = (name: string, body: string) => {
  const file = path.join(dir, name);
  writeFileSync(file, body);
  return file;
};

const echoArgs = script(
  'echo-args.mjs',
  `
const args = process.argv.slice(2);
console.log('starting');
console.log(JSON.stringify({ epoch: 1, bbox_mAP: 0.1, loss: 2 }));
console.log(JSON.stringify({ epoch: 2, bbox_mAP: 0.25, args, gpu: process.env.CUDA_VISIBLE_DEVICES ?? null }));
`,
);

function trialWith(command: string[], metricName = 'bbox_mAP'): TrialRun {
  return {
    trialId: 'tr_1',
    sweepId: 'sw_1',
    checkpoint: { name: 'base', uri: 'file:///tmp/a b;rm -rf ~' },
    optimizer: 'SGD',
    params: { lr: 0.02, weight_decay: 1e-4, momentum: 0.9 },
    fixed: { epochs: 2 },
    seed: 3,
    metricName,
    trainer: { kind: 'command', command },
  };
}

function context(signal = new AbortController().signal) {
  const epochs: Array<[number, Record<string, number>]> = [];
  const ctx: TrainerContext = {
    reportEpoch: async (e, m) => {
      epochs.push([e, m]);
    },
    trialDir: dir,
    signal,
    env: { CUDA_VISIBLE_DEVICES: '1' },
    log: () => {},
  };
  return { ctx, epochs };
}

describe('command trainer', () => {
  it('substitutes placeholders into single argv entries and reads JSON-line metrics', async () => {
    const { ctx, epochs } = context();
    const out = await new CommandTrainer().run(
      trialWith([
        'node',
        echoArgs,
        '--lr',
        '{lr}',
        '--ckpt',
        '{checkpoint.uri}',
        '{optimizer}-{seed}-{epochs}',
      ]),
      ctx,
    );
    expect(epochs.map((e) => e[0])).toEqual([1, 2]);
    expect(epochs[0]![1]).toEqual({ bbox_mAP: 0.1, loss: 2 });
    expect(out.metrics.bbox_mAP).toBe(0.25);
    expect(out.device).toBe('cuda:1');
  });

  it('gives the trial directory as {snapshot_dir} and SWEEPS_SNAPSHOT_DIR, and under the deprecated names', async () => {
    const probe = script(
      'snapshot-probe.mjs',
      `console.log(JSON.stringify({ args: process.argv.slice(2), now: process.env.SWEEPS_SNAPSHOT_DIR, old: process.env.SWEEPS_CHECKPOINT_DIR }));
console.log(JSON.stringify({ epoch: 1, bbox_mAP: 0.5 }));`,
    );
    const lines: string[] = [];
    const { ctx } = context();
    await new CommandTrainer().run(
      trialWith(['node', probe, '{snapshot_dir}', '{checkpoint_dir}']),
      {
        ...ctx,
        log: (l) => lines.push(l),
      },
    );
    const seen = lines.find((l) => l.startsWith('{"args"'));
    expect(JSON.parse(seen ?? '{}')).toEqual({ args: [dir, dir], now: dir, old: dir });
  });

  it('fails permanently with the exit code and the last output lines', async () => {
    const failing = script('fail.mjs', `console.error("KeyError: 'bbox_head'"); process.exit(4);`);
    const { ctx } = context();
    const err = await new CommandTrainer().run(trialWith(['node', failing]), ctx).catch((e) => e);
    expect(err).toBeInstanceOf(PermanentTrialError);
    expect(err.reason).toBe('failed');
    expect(err.message).toMatch(/exited with code 4[\s\S]*KeyError/);
  });

  it("reads PyTorch's CUDA out-of-memory error before a non-zero exit as reason oom, naming the GPU", async () => {
    const oom = script(
      'oom.mjs',
      `console.log(JSON.stringify({ epoch: 1, loss: 1.5 }));
console.error('torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 20.00 GiB. GPU 0 has a total capacity of 79.19 GiB of which 1.62 GiB is free.');
process.exit(1);`,
    );
    const { ctx } = context();
    const err = await new CommandTrainer().run(trialWith(['node', oom]), ctx).catch((e) => e);
    expect(err).toBeInstanceOf(PermanentTrialError);
    expect(err.reason).toBe('oom');
    expect(err.message).toMatch(
      /^oom: node ran out of GPU memory on GPU\(s\) 1 and exited with code 1/,
    );
    expect(err.message).toMatch(/Tried to allocate 20\.00 GiB/);
  });

  it('reads exit code 3 as divergence (a permanent failure with reason diverged, which the worker stores)', async () => {
    const diverging = script(
      'diverge.mjs',
      `console.log(JSON.stringify({ epoch: 1, loss: null })); console.error('loss is NaN at iteration 12'); process.exit(3);`,
    );
    const { ctx, epochs } = context();
    const err = await new CommandTrainer().run(trialWith(['node', diverging]), ctx).catch((e) => e);
    expect(err).toBeInstanceOf(PermanentTrialError);
    expect(err.reason).toBe('diverged');
    expect(err.message).toMatch(
      /reported divergence \(exit code 3\)[\s\S]*loss is NaN at iteration 12/,
    );
    expect(epochs.map((e) => e[0])).toEqual([1]);
  });

  it('fails when the command never prints the sweep metric', async () => {
    const { ctx } = context();
    const err = await new CommandTrainer()
      .run(trialWith(['node', echoArgs], 'segm_mAP'), ctx)
      .catch((e) => e);
    expect(err.message).toMatch(/never printed "segm_mAP"/);
  });

  it('names a command that does not exist', async () => {
    const { ctx } = context();
    const err = await new CommandTrainer()
      .run(trialWith(['no-such-trainer-binary', '{lr}']), ctx)
      .catch((e) => e);
    expect(err).toBeInstanceOf(PermanentTrialError);
    expect(err.message).toMatch(/command not found: no-such-trainer-binary/);
  });

  it('kills the whole process group when the trial is cancelled', async () => {
    const pidFile = path.join(dir, 'grandchild.pid');
    const parent = script(
      'parent.mjs',
      `
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
const c = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
writeFileSync(${JSON.stringify(pidFile)}, String(c.pid));
console.log(JSON.stringify({ epoch: 1, bbox_mAP: 0.1 }));
setInterval(() => {}, 1000);`,
    );
    const abort = new AbortController();
    const { ctx, epochs } = context(abort.signal);
    const running = new CommandTrainer().run(trialWith(['node', parent]), ctx).catch((e) => e);
    await waitFor('the first epoch', async () => epochs.length > 0, 10_000, 20);
    abort.abort(new Error('cancelled'));
    expect((await running).message).toBe('cancelled');
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    await waitFor('the grandchild to be gone', async () => !isAlive(grandchild), 10_000, 20);
  });
});

describe('metric sources', () => {
  it('reads a regex with named groups from stderr and writes every line to the output log', async () => {
    const logging = script(
      'logging.mjs',
      `console.error('Epoch 1 | val mAP=0.125 loss=1.5'); console.log('noise'); console.error('Epoch 2 | val mAP=0.25 loss=1.25');`,
    );
    const { ctx, epochs } = context();
    const trial = trialWith(['node', logging]);
    trial.trainer.metrics = {
      format: 'regex',
      pattern: 'Epoch (?<epoch>\\d+) \\| val mAP=(?<bbox_mAP>[\\d.]+) loss=(?<loss>\\S+)',
    };
    const out = await new CommandTrainer().run(trial, ctx);
    expect(epochs).toEqual([
      [1, { bbox_mAP: 0.125, loss: 1.5 }],
      [2, { bbox_mAP: 0.25, loss: 1.25 }],
    ]);
    expect(out.metrics.bbox_mAP).toBe(0.25);
    const log = readFileSync(path.join(dir, 'logs', 'output.log'), 'utf8');
    expect(log).toContain('noise\n');
    expect(log).toContain('Epoch 2 | val mAP=0.25');
  });

  it('reads a JSON-lines file the command writes (placeholders in its path)', async () => {
    const writer = script(
      'writer.mjs',
      `import { appendFileSync } from 'node:fs';
const f = process.argv[2];
appendFileSync(f, JSON.stringify({ epoch: 1, bbox_mAP: 0.5 }) + '\\n');
setTimeout(() => appendFileSync(f, '{"epoch": 2, "bbox_mAP": 0.75, "loss": NaN}\\n'), 50);`,
    );
    const { ctx, epochs } = context();
    const trial = trialWith(['node', writer, '{snapshot_dir}/m-{seed}.jsonl']);
    trial.trainer.metrics = { format: 'file', path: '{snapshot_dir}/m-{seed}.jsonl' };
    const out = await new CommandTrainer().run(trial, ctx);
    expect(out.metrics.bbox_mAP).toBe(0.75);
    expect(epochs.at(-1)![0]).toBe(2);
    expect(epochs.at(-1)![1].loss).toBeNaN();
  });

  it('refuses a pattern without an epoch group as invalid', async () => {
    const { ctx } = context();
    const trial = trialWith(['node', echoArgs]);
    trial.trainer.metrics = { format: 'regex', pattern: 'mAP=(?<bbox_mAP>[\\d.]+)' };
    const err = await new CommandTrainer().run(trial, ctx).catch((e) => e);
    expect(err.reason).toBe('invalid');
    expect(err.message).toMatch(/trainer.metrics.pattern: .*"epoch"/);
  });
});

describe('metric lines', () => {
  it('accepts objects with an integer epoch and turns null into NaN', () => {
    expect(parseMetricLine('{"epoch": 3, "bbox_mAP": 0.31, "note": "x"}')).toEqual({
      epoch: 3,
      metrics: { bbox_mAP: 0.31 },
    });
    expect(parseMetricLine('{"epoch": 2, "loss": null}')!.metrics.loss).toBeNaN();
    expect(parseMetricLine('Epoch 3 done')).toBeNull();
    expect(parseMetricLine('{"bbox_mAP": 0.3}')).toBeNull();
    expect(parseMetricLine('{"epoch": 1.5}')).toBeNull();
    expect(parseMetricLine('{broken')).toBeNull();
  });
});
