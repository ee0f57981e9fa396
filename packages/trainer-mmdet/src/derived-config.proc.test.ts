/**
 * The derived config, loaded the way mmengine loads configs (`testing/load_config.py`: `_base_` merged, `_delete_`
 * honoured) by the python3 every machine has: the merged result must hold exactly the cell asked for.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { deriveConfigText } from './derived-config.ts';
import { launchArgv } from './launch.ts';
import { pyString } from './python-literal.ts';
import { MmdetTrainerSpecSchema } from './spec.ts';

// biome-ignore lint/suspicious/noExplicitAny: a merged config is whatever the Python files say
type Cfg = Record<string, any>;
const here = path.dirname(fileURLToPath(import.meta.url));
const fake = path.join(here, 'testing', 'fake_mmdet');
const dir = mkdtempSync(path.join(tmpdir(), 'derived-'));

/** Loads every config in one python3 start (an interpreter start may take seconds on a loaded machine). */
function loadAll(texts: string[]): Array<Cfg> {
  const files = texts.map((text, i) => {
    const file = path.join(dir, `c${i}.py`);
    writeFileSync(file, text);
    return file;
  });
  const out = execFileSync('python3', [path.join(here, 'testing', 'load_config.py'), ...files], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'], // a refused config's traceback goes into the thrown error
  });
  return out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

const BASE = {
  2: path.join(fake, 'configs/v2/faster_rcnn_r50_fpn_1x_coco.py'),
  3: path.join(fake, 'configs/v3/faster-rcnn_r50_fpn_1x_coco.py'),
};
/** Bases whose backbone trains from scratch (`init_cfg=None`), which mmengine will not merge a dict into. */
const SCRATCH = {
  2: path.join(fake, 'configs/v2/faster_rcnn_r50_fpn_scratch.py'),
  3: path.join(fake, 'configs/v3/faster-rcnn_r50_fpn_scratch.py'),
};
const CELLS = {
  SGD: { lr: 0.04, weight_decay: 1e-5, momentum: 0.85 },
  AdamW: { lr: 2e-4, weight_decay: 0.05 },
};

function derive(
  version: 2 | 3,
  optimizer: 'SGD' | 'AdamW',
  extra: { resume?: boolean; base?: string } = {},
) {
  const base = extra.base ?? BASE[version];
  const spec = MmdetTrainerSpecSchema.parse({ kind: 'mmdet', version, config: base, root: fake });
  return deriveConfigText({
    spec,
    trial: {
      trialId: 'tr_1',
      sweepId: 'sw_1',
      optimizer,
      params: CELLS[optimizer],
      fixed: { norm_decay_mult: 0, max_epochs: 3 },
      seed: 7,
      checkpoint: { name: 'rsb', uri: 'file:///ckpt/rsb.pth', prefix: 'backbone.' },
    },
    baseConfig: base,
    checkpointPath: '/ckpt/rsb.pth',
    resume: extra.resume ?? false,
  });
}

const NASTY = "/x/'); import os; os.system('touch /tmp/pwned'); ('\\\n\u00e9\u{1F600}";
const CASES = [2, 3].flatMap((v) =>
  (['SGD', 'AdamW'] as const).map((o) => [v as 2 | 3, o] as const),
);
let loaded: Array<Cfg> = [];
beforeAll(() => {
  loaded = loadAll([
    ...CASES.map(([v, o]) => derive(v, o)),
    derive(3, 'SGD', { resume: true }),
    `value = ${pyString(NASTY)}\n`,
    derive(2, 'SGD', { base: SCRATCH[2] }),
    derive(3, 'AdamW', { base: SCRATCH[3] }),
  ]);
});

describe('derived config, merged over its _base_ as mmengine does', () => {
  for (const version of [2, 3] as const) {
    for (const optimizer of ['SGD', 'AdamW'] as const) {
      it(`v${version} ${optimizer}: exactly the cell's optimizer, norm_decay_mult and checkpoint`, () => {
        const cfg = loaded[CASES.findIndex(([v, o]) => v === version && o === optimizer)]!;
        const opt = version === 2 ? cfg.optimizer : cfg.optim_wrapper.optimizer;
        const paramwise =
          version === 2 ? cfg.optimizer.paramwise_cfg : cfg.optim_wrapper.paramwise_cfg;
        const { paramwise_cfg: _p, ...optOnly } = opt;
        expect(optOnly).toEqual({ type: optimizer, ...CELLS[optimizer] }); // no SGD momentum left on AdamW
        expect(paramwise).toEqual({ norm_decay_mult: 0, bypass_duplicate: true });
        expect(cfg.model.backbone.init_cfg).toEqual({
          type: 'Pretrained',
          checkpoint: '/ckpt/rsb.pth',
          prefix: 'backbone.',
        });
        expect(cfg.model.backbone.depth).toBe(50); // the rest of the base is kept
        if (version === 3) {
          expect(cfg.optim_wrapper.type).toBe('OptimWrapper');
          expect(cfg.randomness.seed).toBe(7);
          expect(cfg.train_cfg).toEqual({
            type: 'EpochBasedTrainLoop',
            max_epochs: 3,
            val_interval: 1,
          });
          expect(cfg.resume).toBe(false);
        } else {
          expect(cfg.runner.max_epochs).toBe(3);
        }
      });
    }
  }

  it('v3 resumes a retried trial; v2 passes --resume-from and --seed on the command line', () => {
    expect(loaded[CASES.length]!.resume).toBe(true);
    const spec = MmdetTrainerSpecSchema.parse({
      kind: 'mmdet',
      version: 2,
      config: 'c.py',
      root: '/r',
      gpus_per_trial: 2,
      cfg_options: { 'data.workers_per_gpu': 4, 'evaluation.save_best': 'auto' },
    });
    expect(
      launchArgv({
        spec,
        derivedConfig: '/t/derived.py',
        workDir: '/t/work_dir',
        seed: 7,
        resumeFrom: '/t/work_dir/latest.pth',
        masterPort: 29555,
      }),
    ).toEqual([
      'python3',
      '-m',
      'torch.distributed.run',
      '--nproc_per_node',
      '2',
      '--master_port',
      '29555',
      'tools/train.py',
      '/t/derived.py',
      '--work-dir',
      '/t/work_dir',
      '--seed',
      '7',
      '--resume-from',
      '/t/work_dir/latest.pth',
      '--cfg-options',
      'data.workers_per_gpu=4',
      'evaluation.save_best=auto',
      '--launcher',
      'pytorch',
    ]);
  });

  it('writes any string as data, never as Python', () => {
    expect(loaded[CASES.length + 1]!.value).toBe(NASTY);
  });

  it("replaces a base backbone's init_cfg=None with the checkpoint (mmengine refuses to merge into None)", () => {
    for (const cfg of loaded.slice(CASES.length + 2)) {
      expect(cfg.model.backbone.init_cfg).toEqual({
        type: 'Pretrained',
        checkpoint: '/ckpt/rsb.pth',
        prefix: 'backbone.',
      });
      expect(cfg.model.backbone.depth).toBe(50);
    }
  });

  it('the loader refuses a dict over a non-dict without _delete_, as mmengine does', () => {
    const text = `_base_ = [${pyString(SCRATCH[3])}]\nmodel = dict(backbone=dict(init_cfg=dict(type='Pretrained')))\n`;
    expect(() => loadAll([text])).toThrow(/is a dict in the child config but is of type/);
  });
});

/** Whether this machine's python3 has mmengine (a GPU node or a developer's MMDetection environment). */
function hasMmengine(): boolean {
  try {
    execFileSync('python3', ['-c', 'import mmengine'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!hasMmengine())(
  'derived config loaded by mmengine itself (python3 has mmengine)',
  () => {
    it("loads a derived config over a base whose backbone has init_cfg=None with mmengine's Config.fromfile", () => {
      const file = path.join(dir, 'mmengine-scratch.py');
      writeFileSync(file, derive(3, 'SGD', { base: SCRATCH[3] }));
      const script = `import json, sys\nfrom mmengine import Config\ncfg = Config.fromfile(sys.argv[1])\nprint(json.dumps(cfg.model.backbone.init_cfg.to_dict()))`;
      const out = execFileSync('python3', ['-c', script, file], { encoding: 'utf8' });
      expect(JSON.parse(out.trim().split('\n').at(-1)!)).toEqual({
        type: 'Pretrained',
        checkpoint: '/ckpt/rsb.pth',
        prefix: 'backbone.',
      });
    });
  },
);
