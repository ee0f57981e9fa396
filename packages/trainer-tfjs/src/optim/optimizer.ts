import * as tf from '@tensorflow/tfjs-core';

import { clipGradNorm } from './clip.ts';
import { lambGradDivisor, lambUpdate } from './lamb.ts';
import { resolveWeightDecays } from './param-groups.ts';
import { adamwUpdate, sgdUpdate, type UpdateResult } from './rules.ts';
import { clearState, exportState, importState, type StateStore } from './state-io.ts';
import type { OptimizerConfig, OptimizerState, ParamRole } from './types.ts';

/** A PyTorch-semantics optimizer over a map of named variables. */
export interface Optimizer {
  readonly config: OptimizerConfig;
  /** The weight decay each parameter gets after the paramwise rules. */
  readonly weightDecays: Readonly<Record<string, number>>;
  /**
   * Clips (when configured) and applies one step at learning rate `lr`. A parameter without a gradient is left
   * untouched and its state does not advance (torch's `grad is None`). Returns the total gradient norm before
   * clipping when clipping is on, as a promise (read asynchronously; nothing waits for it). The caller still owns and disposes `grads`.
   */
  step(grads: Readonly<Record<string, tf.Tensor>>, lr: number): { gradNorm?: Promise<number> };
  /**
   * A copy of the state, for resuming: `momentum_buffer/<p>`, `exp_avg/<p>`, `exp_avg_sq/<p>`, `step/<p>`; read
   * asynchronously (every backend, webgpu included).
   */
  getStateAsync(): Promise<OptimizerState>;
  /** Replaces the state with one from `getStateAsync` (names and sizes are checked; on error nothing changes). */
  setState(state: OptimizerState): void;
  /** Frees the state tensors. */
  dispose(): void;
}

/** Options of {@link createOptimizer}. */
export interface CreateOptimizerOptions {
  /** Role of each parameter for the decay rules; parameters missing here are classified by name. */
  roles?: Readonly<Record<string, ParamRole>>;
}

/**
 * Creates an SGD, AdamW or LAMB optimizer with torch 1.13 semantics over `params` (name → variable), the weight decay
 * of each parameter set by mmcv's paramwise rules.
 */
export function createOptimizer(
  config: OptimizerConfig,
  params: Readonly<Record<string, tf.Variable>>,
  options: CreateOptimizerOptions = {},
): Optimizer {
  validateConfig(config);
  return new TorchOptimizer(
    config,
    params,
    resolveWeightDecays(Object.keys(params), config, options.roles),
  );
}

class TorchOptimizer implements Optimizer {
  private readonly store: StateStore = { tensors: new Map(), steps: new Map() };

  constructor(
    readonly config: OptimizerConfig,
    private readonly params: Readonly<Record<string, tf.Variable>>,
    readonly weightDecays: Readonly<Record<string, number>>,
  ) {}

  step(grads: Readonly<Record<string, tf.Tensor>>, lr: number): { gradNorm?: Promise<number> } {
    for (const name of Object.keys(grads)) {
      if (!(name in this.params))
        throw new Error(`optimizer: gradient for unknown parameter '${name}'`);
    }
    const c = this.config;
    if (c.name === 'LAMB') {
      this.lambStep(grads, lr, c.max_grad_norm === undefined ? 1 : c.max_grad_norm);
      return {};
    }
    const clip = c.grad_clip;
    const clipped = clip ? clipGradNorm(grads, clip.max_norm) : undefined;
    try {
      for (const [name, g] of Object.entries(clipped ? clipped.grads : grads))
        this.updateOne(name, g, lr);
    } finally {
      if (clipped) tf.dispose(Object.values(clipped.grads));
    }
    return clipped ? { gradNorm: clipped.totalNorm } : {};
  }

  /** timm's Lamb: every gradient divided by max(1, global norm / maxNorm) first (unless maxNorm is null). */
  private lambStep(grads: Readonly<Record<string, tf.Tensor>>, lr: number, maxNorm: number | null) {
    if (maxNorm === null) {
      for (const [name, g] of Object.entries(grads)) this.updateOne(name, g, lr);
      return;
    }
    const divided = tf.tidy(() => {
      const divisor = lambGradDivisor(Object.values(grads), maxNorm);
      const out: Record<string, tf.Tensor> = {};
      for (const [name, g] of Object.entries(grads)) out[name] = tf.div(g, divisor);
      return out;
    });
    try {
      for (const [name, g] of Object.entries(divided)) this.updateOne(name, g, lr);
    } finally {
      tf.dispose(Object.values(divided));
    }
  }

  getStateAsync(): Promise<OptimizerState> {
    return exportState(this.store);
  }

  setState(state: OptimizerState): void {
    const kinds = this.config.name === 'SGD' ? ['momentum_buffer'] : ['exp_avg', 'exp_avg_sq'];
    importState(state, this.params, kinds, this.store);
  }

  dispose(): void {
    clearState(this.store);
  }

  private updateOne(name: string, g: tf.Tensor, lr: number): void {
    const variable = this.params[name] as tf.Variable;
    const step = (this.store.steps.get(name) ?? 0) + 1;
    const result = tf.tidy(() => this.rule(name, variable, g, lr, step));
    variable.assign(result.param);
    result.param.dispose();
    const prev = this.store.tensors.get(name);
    if (prev) tf.dispose(Object.values(prev));
    if (Object.keys(result.state).length > 0) this.store.tensors.set(name, result.state);
    if (this.config.name !== 'SGD') this.store.steps.set(name, step);
  }

  private rule(name: string, p: tf.Tensor, g: tf.Tensor, lr: number, step: number): UpdateResult {
    const weightDecay = this.weightDecays[name] ?? 0;
    const state = this.store.tensors.get(name) ?? {};
    const c = this.config;
    if (c.name === 'SGD') {
      const { momentum = 0, dampening = 0, nesterov = false } = c;
      return sgdUpdate(p, g, state, { lr, weightDecay, momentum, dampening, nesterov });
    }
    const [beta1, beta2] = c.betas ?? [0.9, 0.999];
    if (c.name === 'LAMB') {
      const rule = { lr, weightDecay, beta1, beta2, eps: c.eps ?? 1e-6 };
      const flags = { trustClip: c.trust_clip ?? false, alwaysAdapt: c.always_adapt ?? false };
      return lambUpdate(p, g, state, { ...rule, ...flags }, step);
    }
    return adamwUpdate(p, g, state, { lr, weightDecay, beta1, beta2, eps: c.eps ?? 1e-8 }, step);
  }
}

function validateConfig(config: OptimizerConfig): void {
  const fail = (msg: string): never => {
    throw new Error(`optimizer ${config.name}: ${msg}`);
  };
  if (!(config.lr >= 0)) fail(`invalid lr ${config.lr}`);
  if (config.weight_decay !== undefined && !(config.weight_decay >= 0)) {
    fail(`invalid weight_decay ${config.weight_decay}`);
  }
  if (config.name === 'LAMB' && config.max_grad_norm != null && !(config.max_grad_norm > 0))
    fail('max_grad_norm must be positive or null');
  if (config.name !== 'LAMB' && config.grad_clip && (config.grad_clip.norm_type ?? 2) !== 2)
    fail('grad_clip supports norm_type 2 only');
  if (config.name !== 'LAMB' && config.grad_clip && !(config.grad_clip.max_norm > 0))
    fail('grad_clip.max_norm must be positive');
  if (config.name === 'SGD') {
    if (!((config.momentum ?? 0) >= 0)) fail(`invalid momentum ${config.momentum}`);
    if (config.nesterov && (!(config.momentum ?? 0) || (config.dampening ?? 0) !== 0)) {
      fail('Nesterov momentum requires a momentum and zero dampening');
    }
  } else {
    const [b1, b2] = config.betas ?? [0.9, 0.999];
    if (!(b1 >= 0 && b1 < 1 && b2 >= 0 && b2 < 1)) fail(`invalid betas [${b1}, ${b2}]`);
    if (!((config.eps ?? 1e-8) >= 0)) fail(`invalid eps ${config.eps}`);
  }
}
