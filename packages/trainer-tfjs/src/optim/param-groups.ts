import type { OptimizerConfig, ParamRole, ParamwiseConfig } from './types.ts';

const NORM_MODULE = /^(bn|norm|gn|ln)\d*$/;

/**
 * Guesses a parameter's role from its name when the model gave none: a `.bias` leaf is a bias; the module is a
 * norm layer when its last path part is `bn1`, `norm`, `gn`, `ln2`... or it is a torchvision `downsample.1`.
 */
export function inferParamRole(name: string): ParamRole {
  const parts = name.split('.');
  const leaf = parts[parts.length - 1];
  const module = parts[parts.length - 2] ?? '';
  const isDownsampleNorm = module === '1' && parts[parts.length - 3] === 'downsample';
  return { isNorm: NORM_MODULE.test(module) || isDownsampleNorm, isBias: leaf === 'bias' };
}

/** The default weight decay of each optimizer (torch's SGD 0, AdamW 0.01; timm's LAMB 0.01). */
export function baseWeightDecay(config: OptimizerConfig): number {
  if (config.weight_decay !== undefined) return config.weight_decay;
  return config.name === 'SGD' ? 0 : 0.01;
}

/**
 * The weight decay of one parameter under mmcv's `DefaultOptimizerConstructor` precedence: a norm layer's
 * weight and bias take `norm_decay_mult`; otherwise a bias takes `bias_decay_mult`; everything else the base.
 */
export function weightDecayFor(
  role: ParamRole,
  baseWd: number,
  paramwise: ParamwiseConfig = {},
): number {
  if (role.isNorm) return baseWd * (paramwise.norm_decay_mult ?? 1);
  if (role.isBias) return baseWd * (paramwise.bias_decay_mult ?? 1);
  return baseWd;
}

/** Resolves every parameter's weight decay, taking roles from `roles` and inferring the rest from names. */
export function resolveWeightDecays(
  names: readonly string[],
  config: OptimizerConfig,
  roles: Readonly<Record<string, ParamRole>> = {},
): Record<string, number> {
  const baseWd = baseWeightDecay(config);
  const out: Record<string, number> = {};
  for (const name of names) {
    out[name] = weightDecayFor(roles[name] ?? inferParamRole(name), baseWd, config.paramwise);
  }
  return out;
}
