import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { readPolicy } from '../apps/worker/src/policy.ts';
import { planSweep, refuseCommand, refuseCwd } from '../packages/core/src/index.ts';
import {
  checkMmdetSection,
  checkpointLocation,
  deriveConfigText,
  MmdetTrainerSpecSchema,
  mmdetTrainer,
  mmdetWorkerPaths,
} from '../packages/trainer-mmdet/src/index.ts';
import { refuseTrainer } from '../packages/trainers/src/index.ts';

const here = dirname(fileURLToPath(import.meta.url));
const plan = planSweep(parse(readFileSync(join(here, 'mmdet-study.yaml'), 'utf8')), {}, [
  mmdetTrainer,
]);

describe('examples/mmdet-study.yaml', () => {
  it("is the study's grids as one valid mmdet sweep: 18 cells x 4 checkpoints", () => {
    expect(plan.cells.filter((c) => c.optimizer === 'SGD')).toHaveLength(6);
    expect(plan.cells.filter((c) => c.optimizer === 'AdamW')).toHaveLength(12);
    expect(plan.totalTrials).toBe(72);
    expect(plan.spec.checkpoints.find((c) => c.baseline)?.name).toBe('torchvision');
  });

  it('loads the mmcls checkpoint with prefix backbone. and the torchvision one by URL', () => {
    const spec = MmdetTrainerSpecSchema.parse(plan.spec.trainer);
    const mmcls = plan.spec.checkpoints.find((c) => c.name === 'mmcls-rsb-a1')!;
    const text = deriveConfigText({
      spec,
      trial: {
        trialId: 't',
        sweepId: 's',
        ...plan.cells[7]!,
        fixed: plan.spec.fixed,
        seed: 0,
        checkpoint: mmcls,
      },
      baseConfig: '/opt/mmdetection/configs/faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py',
      checkpointPath: checkpointLocation(mmcls, spec.root).path,
      resume: false,
    });
    expect(text).toContain("prefix='backbone.'");
    expect(text).toContain("type='AdamW'");
    expect(checkpointLocation(plan.spec.checkpoints[0]!, spec.root).path).toBe(
      'torchvision://resnet50',
    );
  });
});

/** The worker command of the README's "Reproduce the study on GPU nodes", as written there. */
function studyWorkerBlock(): string {
  const readme = readFileSync(join(here, '..', 'README.md'), 'utf8');
  const at = readme.indexOf('<!-- study-worker -->');
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(at));
  if (at < 0 || !block) throw new Error('README: the study worker block is gone');
  return block[1]!;
}

describe("the README's worker for the study", () => {
  const block = studyWorkerBlock();
  const flag = (name: string) => {
    const m = new RegExp(`--${name} (?:'([^']+)'|(\\S+))`).exec(block);
    if (!m) throw new Error(`README's study worker has no --${name}`);
    return m[1] ?? m[2]!;
  };
  const { policy, passEnv } = readPolicy({
    allowCommands: flag('allow-commands'),
    allowEnv: '',
    cwdRoots: flag('cwd-roots'),
    passEnv: flag('pass-env'),
    workDir: '/srv/sweeps',
  });

  it('runs the study sweep: its python only as tools/train.py, from its root, with its config', () => {
    expect(refuseTrainer(policy, plan.spec.trainer)).toBeNull();
    expect(refuseCommand(policy, ['python', '-c', 'import os'], '/opt/mmdetection')).not.toBeNull();
  });

  it("has every file the sweep needs on a node inside the worker's directories", () => {
    const paths = mmdetWorkerPaths(plan.spec.trainer, plan.spec);
    expect(paths.map((p) => p.field)).toEqual([
      'trainer.root',
      'trainer.config',
      'checkpoints[1].uri',
      'checkpoints[2].uri',
      'checkpoints[3].uri',
    ]);
    for (const p of paths) expect(refuseCwd(policy, p.path, p.field), p.field).toBeNull();
    expect(checkMmdetSection(plan.spec.trainer, plan.spec)).toEqual([]);
  });

  it('passes TORCH_HOME (the torchvision baseline cache), runs trials as its own user, reads secrets from files', () => {
    expect(passEnv).toContain('TORCH_HOME');
    expect(block).toMatch(/TORCH_HOME=\/\S+/);
    expect(flag('run-trials-as')).toBe('sweeps-trial');
    expect(block).toContain(
      'useradd --system --create-home --home-dir /var/lib/sweeps-trial sweeps-trial',
    );
    expect(block).toMatch(/DATABASE_URL_FILE=\S+ REDIS_URL_FILE=\S+/);
    expect(block).not.toMatch(/DATABASE_URL=|REDIS_URL=/);
  });
});
