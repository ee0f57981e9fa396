/**
 * MMDetection driven end to end through the API and a worker, with a stand-in `tools/train.py` (python3, no
 * torch: packages/trainer-mmdet/src/testing/fake_mmdet) that loads the derived config, prints mmengine-format
 * logs and writes scalars.json, or crashes, hangs, runs out of memory, diverges or never evaluates, as the
 * trial's checkpoint file name says. A fake `nvidia-smi` on PATH gives the worker four GPUs.
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, Stack } from './support/stack.ts';
import { isAlive } from '../packages/trainer-command/src/testing/processes.ts';

const FAKE = path.join(REPO_ROOT, 'packages/trainer-mmdet/src/testing/fake_mmdet');
const FAKE_PYTHON = path.join(FAKE, 'fake-python');
// inside the repository: the worker reads checkpoints only from its own directories
mkdirSync(path.join(REPO_ROOT, '.data'), { recursive: true });
const tmp = mkdtempSync(path.join(REPO_ROOT, '.data', 'mmdet-e2e-'));
const stack = new Stack();
const BEHAVIOURS = ['ok', 'crash', 'hang', 'oom', 'nometric', 'nan', 'clipped', 'empty'] as const;

/** A `nvidia-smi` that lists four GPUs, in a directory put first on the worker's PATH. */
function fakeNvidiaSmi(): string {
  const bin = path.join(tmp, 'bin');
  mkdirSync(bin, { recursive: true });
  const file = path.join(bin, 'nvidia-smi');
  writeFileSync(
    file,
    '#!/bin/sh\nfor i in 0 1 2 3; do echo "$i, NVIDIA H100 80GB HBM3, 81559 MiB"; done\n',
  );
  chmodSync(file, 0o755);
  return bin;
}

function sweepFile(name: string, behaviours: readonly string[], extra: Record<string, unknown>) {
  for (const b of behaviours) writeFileSync(path.join(tmp, `${b}.pth`), 'weights');
  return {
    name,
    metric: { name: 'bbox_mAP' },
    trainer: {
      kind: 'mmdet',
      version: 3,
      root: FAKE,
      config: 'configs/v3/faster-rcnn_r50_fpn_1x_coco.py',
      python: FAKE_PYTHON,
      timeout_s: 25,
      ...extra,
    },
    checkpoints: behaviours.map((b, i) => ({
      name: b,
      uri: `file://${tmp}/${b}.pth`,
      ...(b === 'ok' ? { prefix: 'backbone.' } : {}),
      baseline: i === 0,
    })),
    space: { optimizer: { SGD: { lr: [0.02], weight_decay: [1e-4] } } },
    fixed: { max_epochs: 2, norm_decay_mult: 0 },
    max_attempts: 1,
  };
}

const trialDir = (trialId: string) =>
  path.join(REPO_ROOT, `.data/${stack.prefix}/trials/${trialId}`);
const processOf = (trialId: string) =>
  JSON.parse(readFileSync(path.join(trialDir(trialId), 'work_dir', 'process.json'), 'utf8'));

async function runSweep(body: unknown) {
  const submitted = await stack.call('POST', '/api/v1/sweeps', body);
  expect(submitted.status, submitted.text).toBe(201);
  await stack.waitForPhase(submitted.json.id, 'finished', 90_000);
  const trials = (await stack.call('GET', `/api/v1/sweeps/${submitted.json.id}/trials`)).json
    .trials;
  // biome-ignore lint/suspicious/noExplicitAny: the suite reads response fields directly and asserts each one
  return { id: submitted.json.id as string, trials: trials as Array<Record<string, any>> };
}

beforeAll(async () => {
  await stack.start({ workers: 0 });
  await stack.startWorker(`gpu-${stack.prefix}`, 1, 30, {
    env: {
      PATH: `${fakeNvidiaSmi()}:${process.env.PATH}`,
      // The policy this suite needs: the stand-in interpreter (the worker's owner allows MMDetection's python).
      SWEEPS_WORKER_ALLOW_COMMANDS: `node,${FAKE_PYTHON}`,
    },
  });
}, 120_000);
afterAll(async () => {
  await stack.stop();
});

describe('mmdet sweeps end to end', () => {
  it('records each outcome as named, leaves no process behind and gives 2-GPU trials two GPUs', async () => {
    const [single, double] = await Promise.all([
      runSweep(sweepFile('mmdet-outcomes', BEHAVIOURS, {})),
      runSweep({
        ...sweepFile('mmdet-2gpu', ['ok'], { gpus_per_trial: 2 }),
        space: { optimizer: { SGD: { lr: [0.02, 0.04], weight_decay: [1e-4] } } },
      }),
    ]).catch((err) => {
      throw new Error(`${(err as Error).message}\n${stack.logs()}`);
    });
    const by = Object.fromEntries(single.trials.map((t) => [t.checkpoint, t]));
    const trial = async (name: string) =>
      (await stack.call('GET', `/api/v1/sweeps/${single.id}/trials/${by[name]!.id}`)).json;

    // ok: the numbers the stand-in printed for each epoch, the sweep's metric final
    const ok = await trial('ok');
    expect(ok.state).toBe('succeeded');
    expect(ok.epochs.map((e: { epoch: number }) => e.epoch)).toEqual([1, 2]);
    expect(ok.epochs[0]).toMatchObject({ bbox_mAP: 0.27, bbox_mAP_50: 0.47, loss: 1.5 });
    expect(ok.finalMetric).toBe(0.32);
    expect(processOf(ok.id)).toMatchObject({ seed: 0, gpus: expect.stringMatching(/^\d$/) });

    const errors = Object.fromEntries(
      await Promise.all(
        BEHAVIOURS.slice(1).map(async (b) => [b, (await trial(b)).error as string]),
      ),
    );
    for (const b of BEHAVIOURS.slice(1)) expect(by[b]!.state, b).toBe('failed');
    expect(errors.crash).toMatch(/tools\/train.py exited with code 1[\s\S]*KeyError/);
    expect(errors.hang).toMatch(/timed out after 25 s/);
    expect(errors.oom).toMatch(/^oom: CUDA out of memory on GPU\(s\) \d/);
    expect(errors.nometric).toMatch(/^metric bbox_mAP never appeared/);
    expect(errors.nan).toMatch(/^diverged: loss = NaN at epoch 1/);
    // a clipped run at a huge lr and an empty evaluation end at once, quoting the line (colour codes removed)
    expect(errors.clipped).toMatch(
      /^diverged: loss 5\.6e\+24 above 10000 on 3 training lines in a row, at epoch 1: ".*grad_norm: inf/,
    );
    expect(errors.empty).toMatch(
      /^diverged: evaluation found no detections at all .*"2026\/01\/01 00:00:00 - mmengine - WARNING - The testing results/,
    );
    const reasons = Object.fromEntries(
      await Promise.all(BEHAVIOURS.slice(1).map(async (b) => [b, (await trial(b)).reason])),
    );
    expect(reasons).toEqual({
      crash: 'failed',
      hang: 'timeout',
      oom: 'oom',
      nometric: 'failed',
      nan: 'diverged',
      clipped: 'diverged',
      empty: 'diverged',
    });

    // nothing left running: every stand-in process and the hanging one's helper are gone
    for (const t of single.trials) expect(isAlive(processOf(t.id).pid), t.checkpoint).toBe(false);
    const helper = Number(
      readFileSync(path.join(trialDir(by.hang!.id), 'work_dir', 'helper.pid'), 'utf8'),
    );
    expect(isAlive(helper)).toBe(false);

    // 2-GPU trials: two distinct GPUs each, launched through torch.distributed
    for (const t of double.trials) {
      expect(t.state).toBe('succeeded');
      const p = processOf(t.id);
      expect(p).toMatchObject({ world_size: '2', launcher: 'pytorch' });
      const gpus = p.gpus.split(',');
      expect(new Set(gpus).size).toBe(2);
    }

    // the trial's output is kept in its directory and served by the log route
    expect(readFileSync(path.join(trialDir(ok.id), 'logs', 'output.log'), 'utf8')).toContain(
      'coco/bbox_mAP: 0.3200',
    );
    const log = await stack.call('GET', `/api/v1/trials/${ok.id}/log?tail=50`);
    expect(log.json.lines.some((l: string) => l.includes('Epoch(val) [2]'))).toBe(true);
  });

  it('an asha trial paused at its rung and promoted resumes in MMDetection, its curve kept whole', async () => {
    // 4 cells racing to the epoch-2 rung: the first arrivals wait there (paused), the best 2 go on and resume from
    // the work dir's last_checkpoint (the stand-in, like MMDetection, writes sub-folders only)
    const body = {
      ...sweepFile('mmdet-asha-resume', ['slow'], {}),
      space: { optimizer: { SGD: { lr: [0.01, 0.02, 0.03, 0.04], weight_decay: [1e-4] } } },
      fixed: { max_epochs: 4, norm_decay_mult: 0 }, // MMDetection's own name for the epochs of a trial
      strategy: { kind: 'asha', reduction_factor: 2, min_epochs: 2 },
    };
    const { id, trials } = await runSweep(body).catch((err) => {
      throw new Error(`${(err as Error).message}\n${stack.logs()}`);
    });
    const done = (await stack.call('GET', `/api/v1/sweeps/${id}`)).json;
    expect(done.counts).toMatchObject({ succeeded: 2, pruned: 2, failed: 0, paused: 0 });
    let stored = 0;
    let resumed = 0;
    for (const t of trials) {
      const detail = (await stack.call('GET', `/api/v1/sweeps/${id}/trials/${t.id}`)).json;
      const epochs = detail.epochs.map((e: { epoch: number }) => e.epoch);
      stored += epochs.length;
      if (t.state !== 'succeeded') continue;
      expect(epochs, t.id).toEqual([1, 2, 3, 4]);
      const log = readFileSync(path.join(trialDir(t.id), 'logs', 'output.log'), 'utf8');
      if (/Auto resumed from .*epoch_\d+\.pth/.test(log)) resumed++;
    }
    expect(resumed).toBeGreaterThan(0);
    // every epoch that ran is counted once, the ones before a pause included
    expect(done.epochs_run).toBe(stored);
  });

  it('preview and submit name the files the live worker does not see: config, checkpoint, or outside its directories', async () => {
    const body = {
      ...sweepFile('mmdet-files', ['ok'], { config: 'configs/v3/no-such-config.py' }),
      checkpoints: [
        { name: 'gone', uri: `file://${tmp}/gone.pth`, baseline: true },
        { name: 'elsewhere', uri: 'file:///etc/hostname' },
      ],
    };
    const preview = await stack.call('POST', '/api/v1/sweeps/preview', body);
    expect(preview.status, preview.text).toBe(200);
    const warnings = (preview.json.warnings as string[]).join('\n');
    const worker = `gpu-${stack.prefix}`;
    expect(warnings).toContain(
      `trainer.config: ${FAKE}/configs/v3/no-such-config.py does not exist on every live worker (${worker})`,
    );
    expect(warnings).toContain(`checkpoints[0].uri: ${tmp}/gone.pth does not exist`);
    expect(warnings).toContain(
      "checkpoints[1].uri: /etc/hostname is outside the worker's directories",
    );
    expect(warnings).not.toContain('tools/train.py'); // found
    const submitted = await stack.call('POST', '/api/v1/sweeps', {
      ...body,
      name: 'mmdet-files-2',
    });
    expect(submitted.status, submitted.text).toBe(201);
    expect(submitted.json.warnings.join('\n')).toContain('no-such-config.py does not exist');
    await stack.call('POST', `/api/v1/sweeps/${submitted.json.id}/cancel`);
  });

  it("refuses an interpreter the worker's policy does not allow, at submission and on the worker", async () => {
    const body = sweepFile('mmdet-refused', ['ok'], { python: '/usr/bin/python3' });
    const submitted = await stack.call('POST', '/api/v1/sweeps', body);
    expect(submitted.status, submitted.text).toBe(201);
    expect(submitted.json.warnings.join('\n')).toMatch(
      /no live worker would run this trainer .*trainer.python: the executable "\/usr\/bin\/python3" is not allowed/,
    );
    await stack.waitForPhase(submitted.json.id, 'finished', 60_000);
    const [t] = (await stack.call('GET', `/api/v1/sweeps/${submitted.json.id}/trials`)).json.trials;
    const detail = (await stack.call('GET', `/api/v1/sweeps/${submitted.json.id}/trials/${t.id}`))
      .json;
    expect(detail).toMatchObject({ state: 'failed', attempts: 1 });
    expect(detail.error).toMatch(
      /^refused by this worker's policy: trainer\.python: the executable .* is not allowed on this worker .*\(and no other live worker accepts it\)$/,
    );
    expect(existsSync(path.join(trialDir(t.id), 'mmdet', 'derived_config.py'))).toBe(false);
  });
});
