/**
 * The derived config of one trial: a small Python file in the trial's directory whose `_base_` is the user's
 * config and which sets the cell the way the study's own configs did:
 * - the optimizer replaced whole (`_delete_=True`): setting only `optimizer.type=AdamW` would keep SGD's
 *   `momentum` and crash, so the whole dict is written; momentum only for SGD. v2: top-level `optimizer`
 *   (with `paramwise_cfg` inside it), v3: inside `optim_wrapper` (with `paramwise_cfg` beside it);
 * - `paramwise_cfg=dict(norm_decay_mult=..., bypass_duplicate=True)` (`fixed.norm_decay_mult`, default 0);
 * - the checkpoint as the backbone's `init_cfg` (`Pretrained`, local path, `prefix` when the checkpoint has one),
 *   replaced whole (`_delete_=True`): a base that trains from scratch holds `init_cfg=None`, and mmengine refuses
 *   to merge a dict into a non-dict ("init_cfg ... is a dict in the child config but is of type NoneType");
 * - `fixed.max_epochs` (or `epochs`) and `fixed.batch_size`; v3's seed as `randomness.seed`, and `resume = True`
 *   when an earlier run left a snapshot (MMDetection's own word: checkpoint) in the work dir.
 */
import {
  DEFAULT_ADAMW_BETA1,
  DEFAULT_ADAMW_BETA2,
  DEFAULT_MOMENTUM,
  type TrialRun,
} from '@sweeps/core';
import { type PyValue, pyValue } from './python-literal.ts';
import type { MmdetTrainerSpec } from './spec.ts';

/** Where things are for this trial, resolved by the trainer (or by preview, with placeholders). */
export interface DerivedConfigInput {
  spec: MmdetTrainerSpec;
  trial: Pick<
    TrialRun,
    'trialId' | 'sweepId' | 'optimizer' | 'params' | 'fixed' | 'seed' | 'checkpoint'
  >;
  /** The base config, as the worker node sees it (absolute). */
  baseConfig: string;
  /** The checkpoint's local path (or a URL scheme MMDetection loads itself, e.g. `torchvision://resnet50`). */
  checkpointPath: string | null;
  /** Resume from the work dir (an earlier run left a snapshot there). */
  resume: boolean;
}

function optimizerDict(trial: DerivedConfigInput['trial']): Record<string, PyValue> {
  const p = trial.params as Record<string, number | boolean>;
  const base: Record<string, PyValue> = { _delete_: true, type: trial.optimizer, lr: Number(p.lr) };
  if (trial.optimizer === 'SGD') {
    base.momentum = Number(p.momentum ?? DEFAULT_MOMENTUM);
    base.weight_decay = Number(p.weight_decay);
    if (p.nesterov === true) base.nesterov = true;
    return base;
  }
  if (trial.optimizer !== 'AdamW') throw new Error(`unknown optimizer ${trial.optimizer}`);
  base.weight_decay = Number(p.weight_decay);
  if (p.beta1 !== undefined || p.beta2 !== undefined)
    base.betas = [Number(p.beta1 ?? DEFAULT_ADAMW_BETA1), Number(p.beta2 ?? DEFAULT_ADAMW_BETA2)];
  if (p.eps !== undefined) base.eps = Number(p.eps);
  return base;
}

function paramwise(fixed: Record<string, unknown>): Record<string, PyValue> {
  const out: Record<string, PyValue> = { norm_decay_mult: Number(fixed.norm_decay_mult ?? 0) };
  if (typeof fixed.bias_decay_mult === 'number') out.bias_decay_mult = fixed.bias_decay_mult;
  out.bypass_duplicate = true;
  return out;
}

function initCfg(input: DerivedConfigInput): PyValue {
  if (input.checkpointPath === null) return null;
  const cfg: Record<string, PyValue> = {
    _delete_: true,
    type: 'Pretrained',
    checkpoint: input.checkpointPath,
  };
  if (input.trial.checkpoint.prefix) cfg.prefix = input.trial.checkpoint.prefix;
  return cfg;
}

/** The text of the derived config. */
export function deriveConfigText(input: DerivedConfigInput): string {
  const { spec, trial } = input;
  const fixed = trial.fixed;
  const epochs = fixed.max_epochs ?? fixed.epochs;
  const lines = [
    `# Derived by sweeps for trial ${trial.trialId} of sweep ${trial.sweepId}: the sweep file is the source.`,
    `# Cell: ${trial.optimizer} ${JSON.stringify(trial.params)}, checkpoint ${trial.checkpoint.name}, seed ${trial.seed}.`,
    `_base_ = [${pyValue(input.baseConfig)}]`,
    '',
  ];
  const assign = (name: string, v: PyValue) => lines.push(`${name} = ${pyValue(v)}`);
  if (spec.version === 2) {
    assign('optimizer', { ...optimizerDict(trial), paramwise_cfg: paramwise(fixed) });
  } else {
    assign('optim_wrapper', { optimizer: optimizerDict(trial), paramwise_cfg: paramwise(fixed) });
  }
  assign('model', { backbone: { init_cfg: initCfg(input) } });
  if (typeof epochs === 'number')
    assign(spec.version === 2 ? 'runner' : 'train_cfg', { max_epochs: epochs });
  if (typeof fixed.batch_size === 'number') {
    if (spec.version === 2) assign('data', { samples_per_gpu: fixed.batch_size });
    else assign('train_dataloader', { batch_size: fixed.batch_size });
  }
  if (spec.version === 3) {
    assign('randomness', { seed: trial.seed });
    if (input.resume) assign('resume', true);
  }
  return `${lines.join('\n')}\n`;
}
