/**
 * Optimizer settings with PyTorch's names and meanings (`torch.optim.SGD`, `torch.optim.AdamW`), plus mmcv's
 * `paramwise_cfg` decay multipliers and `grad_clip`, so a sweep's settings mean what they mean in the study.
 */

/** Per-parameter weight-decay multipliers, as mmcv's `DefaultOptimizerConstructor` applies them. */
export interface ParamwiseConfig {
  /** Multiplies the decay of every weight and bias of a normalisation layer (BN, GN, LN). Default 1. */
  norm_decay_mult?: number;
  /** Multiplies the decay of every other bias (a norm layer's bias takes `norm_decay_mult` instead). Default 1. */
  bias_decay_mult?: number;
}

/** Gradient clipping by total norm before each step, as `torch.nn.utils.clip_grad_norm_`. */
export interface GradClipConfig {
  max_norm: number;
  /** Only the 2-norm is supported. Default 2. */
  norm_type?: 2;
}

interface BaseOptimizerConfig {
  /** Base learning rate (what the schedule scales); `step` takes the current lr explicitly. */
  lr: number;
  paramwise?: ParamwiseConfig;
  grad_clip?: GradClipConfig;
}

/** `torch.optim.SGD`: weight decay added to the gradient, optional (Nesterov) momentum. */
export interface SgdConfig extends BaseOptimizerConfig {
  name: 'SGD';
  /** Default 0 (torch's default). */
  weight_decay?: number;
  /** Default 0: no momentum buffer. */
  momentum?: number;
  /** Default 0. */
  dampening?: number;
  /** Default false; needs momentum > 0 and dampening 0, as in torch. */
  nesterov?: boolean;
}

/** `torch.optim.AdamW`: decoupled weight decay `p *= 1 - lr * wd`, Adam moments with bias correction. */
export interface AdamWConfig extends BaseOptimizerConfig {
  name: 'AdamW';
  /** Default 0.01 (torch's default). */
  weight_decay?: number;
  /** Default [0.9, 0.999]. */
  betas?: [number, number];
  /** Added to sqrt(v_hat), not to v. Default 1e-8. */
  eps?: number;
}

/**
 * LAMB as timm's `Lamb` (the rsb-A1 recipe's optimizer; see lamb.ts): Adam moments with bias correction, decay
 * added to the update, per-parameter trust ratio. timm's `max_grad_norm` clipping is its own (gradients divided by
 * max(1, norm / max_grad_norm)), so `grad_clip` is not accepted.
 */
export interface LambConfig extends Omit<BaseOptimizerConfig, 'grad_clip'> {
  name: 'LAMB';
  /** Default 0.01 (timm's default). */
  weight_decay?: number;
  /** Default [0.9, 0.999]. */
  betas?: [number, number];
  /** Default 1e-6 (timm's default). */
  eps?: number;
  /** Global gradient-norm limit; null turns it off. Default 1 (timm's default). */
  max_grad_norm?: number | null;
  /** Clip the trust ratio at 1. Default false. */
  trust_clip?: boolean;
  /** Apply the trust ratio also to parameters without weight decay. Default false. */
  always_adapt?: boolean;
}

export type OptimizerConfig = SgdConfig | AdamWConfig | LambConfig;

/** What mmcv's rules need to know about a parameter: does it belong to a norm layer, is it a bias. */
export interface ParamRole {
  isNorm: boolean;
  isBias: boolean;
}

/** Optimizer state as named float arrays (`exp_avg/<param>`, `momentum_buffer/<param>`, `step/<param>`). */
export type OptimizerState = Record<string, Float32Array>;
