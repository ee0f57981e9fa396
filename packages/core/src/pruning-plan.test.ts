import { describe, expect, it } from 'vitest';
import { planSweep } from './plan.ts';
import { pruningPlanOf } from './pruning-plan.ts';

const spec = (extra: object = {}) =>
  planSweep({
    name: 'plan',
    metric: { name: 'bbox_mAP' },
    trainer: { kind: 'noop' },
    checkpoints: [{ name: 'a', uri: 'x' }],
    space: { optimizer: { SGD: { lr: [0.1], weight_decay: [0] } } },
    fixed: { epochs: 3 },
    strategy: { kind: 'asha', min_epochs: 1, reduction_factor: 3 },
    ...extra,
  }).spec;

describe('a trial’s pruning plan', () => {
  it('lists the rungs and metric of an asha trial, never of a confirm seed', () => {
    const confirmed = spec({ confirm: { top: 1, seeds: [5] } });
    expect(pruningPlanOf(confirmed, 0)).toEqual({ rungs: [1], metric: 'bbox_mAP', mayPause: true });
    expect(pruningPlanOf(confirmed, 5)).toBeNull();
  });

  it('may not pause when the sweep says pause: false', () => {
    const decidedAtOnce = spec({ strategy: { kind: 'asha', min_epochs: 1, pause: false } });
    expect(pruningPlanOf(decidedAtOnce, 0)).toMatchObject({ rungs: [1], mayPause: false });
  });

  it('is null for a grid sweep, and without an integer number of epochs', () => {
    expect(pruningPlanOf(spec({ strategy: { kind: 'grid' } }), 0)).toBeNull();
    expect(pruningPlanOf({ ...spec(), fixed: {} }, 0)).toBeNull();
  });
});
