import { describe, expect, it } from 'vitest';

import { inferParamRole, resolveWeightDecays, weightDecayFor } from './param-groups.ts';

describe('mmcv paramwise decay rules', () => {
  it('gives norm layers norm_decay_mult, other biases bias_decay_mult, the rest the base decay', () => {
    const pw = { norm_decay_mult: 0, bias_decay_mult: 0.5 };
    expect(weightDecayFor({ isNorm: true, isBias: true }, 0.1, pw)).toBe(0);
    expect(weightDecayFor({ isNorm: true, isBias: false }, 0.1, pw)).toBe(0);
    expect(weightDecayFor({ isNorm: false, isBias: true }, 0.1, pw)).toBe(0.05);
    expect(weightDecayFor({ isNorm: false, isBias: false }, 0.1, pw)).toBe(0.1);
  });

  it('a norm bias ignores bias_decay_mult when only that is set (norm precedence)', () => {
    expect(weightDecayFor({ isNorm: true, isBias: true }, 0.1, { bias_decay_mult: 0 })).toBe(0.1);
  });

  it('classifies torchvision / mmdet names when the model gives no roles', () => {
    expect(inferParamRole('bn1.weight')).toEqual({ isNorm: true, isBias: false });
    expect(inferParamRole('layer1.0.bn2.bias')).toEqual({ isNorm: true, isBias: true });
    expect(inferParamRole('layer2.0.downsample.1.weight')).toEqual({ isNorm: true, isBias: false });
    expect(inferParamRole('layer2.0.downsample.0.weight')).toEqual({
      isNorm: false,
      isBias: false,
    });
    expect(inferParamRole('stem.1.weight')).toEqual({ isNorm: false, isBias: false });
    expect(inferParamRole('neck.lateral_convs.0.conv.bias')).toEqual({
      isNorm: false,
      isBias: true,
    });
    expect(inferParamRole('fc.bias')).toEqual({ isNorm: false, isBias: true });
  });

  it('explicit roles win over names (the study: AdamW with norm_decay_mult 0)', () => {
    const wd = resolveWeightDecays(
      ['stem.1.weight', 'fc.weight'],
      { name: 'AdamW', lr: 1e-4, weight_decay: 0.05, paramwise: { norm_decay_mult: 0 } },
      { 'stem.1.weight': { isNorm: true, isBias: false } },
    );
    expect(wd).toEqual({ 'stem.1.weight': 0, 'fc.weight': 0.05 });
  });
});
