import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PermanentTrialError, type SweepSpec, type TrialRun } from '@sweeps/core';
import { describe, expect, it } from 'vitest';
import { MmdetTrainer } from './mmdet-trainer.ts';
import { checkMmdetSection, MmdetTrainerSpecSchema, mmdetWorkerPaths } from './spec.ts';

const FAKE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testing', 'fake_mmdet');
const trainer = (extra: Record<string, unknown> = {}) => ({
  kind: 'mmdet',
  version: 3,
  root: '/srv/mmdetection',
  config: 'configs/faster.py',
  ...extra,
});
const spec = (checkpoints: Array<{ name: string; uri: string }>) =>
  ({ fixed: {}, checkpoints }) as unknown as SweepSpec;

describe('mmdet trainer section', () => {
  it('cfg_options may hold paths only where the dataset is read from, never going up or setting work_dir', () => {
    const issues = checkMmdetSection(
      trainer({
        cfg_options: {
          'train_dataloader.dataset.data_root': '/datasets/coco/',
          'train_dataloader.dataset.data_prefix.img': 'train2017/',
          'val_evaluator.ann_file': '/datasets/coco/annotations/val.json',
          'default_hooks.checkpoint.out_dir': '/etc/cron.d',
          'visualizer.vis_backends.save_dir': 'out/vis',
          'train_dataloader.dataset.ann_file': '../../etc/passwd',
          work_dir: 'elsewhere',
          'evaluation.save_best': 'auto',
        },
      }),
      spec([]),
    );
    expect(issues.map((i) => i.path).sort()).toEqual([
      'trainer.cfg_options.default_hooks.checkpoint.out_dir',
      'trainer.cfg_options.train_dataloader.dataset.ann_file',
      'trainer.cfg_options.visualizer.vis_backends.save_dir',
      'trainer.cfg_options.work_dir',
    ]);
    expect(issues.find((i) => i.path.endsWith('out_dir'))!.message).toMatch(
      /only dataset paths .* outside the trial's directory/,
    );
  });

  it('divergence limits default to a loss of 10,000 on 3 lines and are bounded', () => {
    expect(MmdetTrainerSpecSchema.parse(trainer()).divergence).toEqual({
      max_loss: 1e4,
      patience: 3,
    });
    expect(checkMmdetSection(trainer({ divergence: { patience: 0 } }), spec([]))).toEqual([
      expect.objectContaining({ path: 'trainer.divergence.patience' }),
    ]);
  });

  it('names the files a worker needs: tools/train.py, the config, local checkpoints', () => {
    expect(
      mmdetWorkerPaths(
        trainer(),
        spec([
          { name: 'rsb', uri: 'file:///ckpt/rsb.pth' },
          { name: 'tnr', uri: 'checkpoints/tnr.pth' },
          { name: 'tv', uri: 'torchvision://resnet50' },
        ]),
      ),
    ).toEqual([
      { field: 'trainer.root', path: '/srv/mmdetection/tools/train.py' },
      { field: 'trainer.config', path: '/srv/mmdetection/configs/faster.py' },
      { field: 'checkpoints[0].uri', path: '/ckpt/rsb.pth' },
      { field: 'checkpoints[1].uri', path: '/srv/mmdetection/checkpoints/tnr.pth' },
    ]);
    // a relative root is each worker's own: only what is absolute anyway is asked about
    expect(
      mmdetWorkerPaths(
        trainer({ root: 'mmdetection' }),
        spec([
          { name: 'rsb', uri: 'file:///ckpt/rsb.pth' },
          { name: 'tnr', uri: 'checkpoints/tnr.pth' },
        ]),
      ),
    ).toEqual([{ field: 'checkpoints[0].uri', path: '/ckpt/rsb.pth' }]);
  });
});

describe('mmdet trainer on a worker with directories', () => {
  const outside = mkdtempSync(path.join(tmpdir(), 'mmdet-outside-'));
  writeFileSync(path.join(outside, 'evil.py'), "import os; os.system('id')\n");
  const run = (config: string) =>
    new MmdetTrainer({ readRoots: [FAKE] }).run(
      {
        trialId: 'tr_1',
        sweepId: 'sw_1',
        optimizer: 'SGD',
        params: { lr: 0.02, weight_decay: 1e-4 },
        fixed: {},
        seed: 0,
        checkpoint: { name: 'none', uri: 'none', format: 'none' },
        trainer: { kind: 'mmdet', version: 3, root: FAKE, config },
        metricName: 'bbox_mAP',
      } as TrialRun,
      {
        reportEpoch: async () => {},
        trialDir: path.join(outside, 'trial'),
        signal: new AbortController().signal,
        env: {},
        log: () => {},
      },
    );

  it('refuses a config outside them before anything runs, naming it and the directories', async () => {
    const err = await run(path.join(outside, 'evil.py')).catch((e) => e);
    expect(err).toBeInstanceOf(PermanentTrialError);
    expect(err.message).toMatch(
      /^trainer.config: .*evil.py is outside the directories this worker reads trial data from \(.*fake_mmdet\)/,
    );
  });
});
