import { describe, expect, it } from 'vitest';
import { buildGrid } from './aggregate.ts';
import { formatMetric, gridCellText, gridToCsv, gridToMarkdown } from './export-tables.ts';
import { gridCellSummaries } from './grid-cell-state.ts';
import { fullGridEpochs, planSweep } from './plan.ts';
import {
  AshaStrategySchema,
  decidePromotion,
  isConfirmSeed,
  rungPlaces,
  type RungEntry,
  rungReason,
  settleRung,
} from './strategy.ts';
import { rungEpochs, startOrder, strategyRules } from './strategy-rules.ts';
import type { RungOutcome } from './trial-state.ts';

const asha = (min_epochs: number, reduction_factor: number) =>
  AshaStrategySchema.parse({ kind: 'asha', min_epochs, reduction_factor });
const entries = (...values: number[]): RungEntry[] =>
  values.map((value, i) => ({ trialId: `t${i}`, value }));

describe('rung placement', () => {
  it('puts rungs at min_epochs x rf^k strictly below the epochs', () => {
    expect(rungEpochs(asha(3, 3), 12)).toEqual([3, 9]);
    expect(rungEpochs(asha(3, 3), 9)).toEqual([3]);
    expect(rungEpochs(asha(1, 2), 12)).toEqual([1, 2, 4, 8]);
    expect(rungEpochs(asha(1, 3), 27)).toEqual([1, 3, 9]);
    expect(rungEpochs(asha(5, 3), 5)).toEqual([]);
    expect(rungEpochs({ kind: 'grid' }, 12)).toEqual([]);
  });

  it('starts at a quarter of the epochs, rounded up, when min_epochs is not given', () => {
    const rf3 = AshaStrategySchema.parse({ kind: 'asha' });
    expect(rf3).toEqual({ kind: 'asha', reduction_factor: 3 });
    expect(rungEpochs(rf3, 12)).toEqual([3, 9]);
    expect(rungEpochs(rf3, 6)).toEqual([2]);
    expect(rungEpochs(rf3, 40)).toEqual([10, 30]);
    expect(rungEpochs(rf3, 2)).toEqual([1]);
    expect(rungEpochs(rf3, 1)).toEqual([]);
  });
});

describe('promotion rule', () => {
  it('always lets the first trial at a rung go on', () => {
    const d = decidePromotion(0.01, [], 3, 'maximize', 3);
    expect(d).toMatchObject({ promoted: true, rank: 1, of: 1, places: 1 });
  });

  it('keeps the top floor(n / rf) (at least one), n counting the new value', () => {
    // 0.5 ranks 2 of 3: one place -> pruned; of 6 it ranks 2 with two places -> goes on
    expect(decidePromotion(0.5, entries(0.6, 0.4), 3, 'maximize', 3).promoted).toBe(false);
    expect(decidePromotion(0.5, entries(0.6, 0.4, 0.3, 0.2, 0.1), 3, 'maximize', 3)).toMatchObject({
      promoted: true,
      rank: 2,
      of: 6,
      places: 2,
    });
    const d = decidePromotion(
      0.2,
      entries(0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.1),
      3,
      'maximize',
      3,
    );
    expect(d).toMatchObject({ promoted: false, rank: 8, of: 9, places: 3 });
    expect(d.reason).toBe('rank 8 of 9 at epoch 3 (top 3 go on)');
  });

  it('gives the first rung the places of its whole population, from the first value on', () => {
    // 12 trials of the checkpoint reach the first rung: 4 places whatever the order; 0.5 ranks 3 of 3 and goes on
    expect(decidePromotion(0.5, entries(0.9, 0.8), 3, 'maximize', 3, 12)).toMatchObject({
      promoted: true,
      rank: 3,
      of: 3,
      places: 4,
    });
    // four values already beat it: synchronous halving would prune it too
    expect(decidePromotion(0.5, entries(0.9, 0.8, 0.7, 0.6), 3, 'maximize', 3, 12)).toMatchObject({
      promoted: false,
      rank: 5,
      places: 4,
    });
    // a population below the values recorded (trials added since) counts the values
    expect(rungPlaces(9, 3, 2)).toBe(3);
    expect(rungPlaces(2, 3, 2)).toBe(1);
  });

  it('follows the goal', () => {
    expect(decidePromotion(0.1, entries(0.5, 0.6), 3, 'minimize', 1).promoted).toBe(true);
    expect(decidePromotion(0.1, entries(0.5, 0.6), 3, 'maximize', 1).promoted).toBe(false);
  });

  it('gives a tie to the value recorded first', () => {
    // 0.5 recorded earlier holds the one place of 3; the newcomer with the same value ranks 2
    expect(decidePromotion(0.5, entries(0.5, 0.1), 3, 'maximize', 3)).toMatchObject({
      promoted: false,
      rank: 2,
    });
    expect(decidePromotion(0.5, entries(0.5, 0.1, 0.1, 0.1, 0.1), 3, 'maximize', 3)).toMatchObject({
      promoted: true,
      rank: 2,
      places: 2,
    });
  });

  it('never lets NaN go on, and ranks it below every number', () => {
    expect(decidePromotion(Number.NaN, [], 3, 'maximize', 1).promoted).toBe(false);
    expect(decidePromotion(0.0, entries(Number.NaN, Number.NaN), 2, 'maximize', 1).rank).toBe(1);
  });
});

const standings = (...s: Array<[number, RungOutcome]>) =>
  s.map(([value, outcome], i) => ({ trialId: `t${i}`, value, outcome }));

describe('promotion form (pausing)', () => {
  it('makes the first trials at a rung wait: floor(n / rf) places while the rung is open', () => {
    expect(settleRung(standings([0.9, 'paused']), 3, 'maximize', false)).toMatchObject({
      places: 0,
      promote: [],
      prune: [],
    });
    expect(
      settleRung(standings([0.1, 'paused'], [0.9, 'paused']), 3, 'maximize', false).promote,
    ).toEqual([]);
    // the third value opens one place: the best of the three goes on, whichever arrived first
    const s = settleRung(
      standings([0.1, 'paused'], [0.9, 'paused'], [0.5, 'paused']),
      3,
      'maximize',
      false,
    );
    expect(s).toMatchObject({ places: 1, promote: ['t1'], prune: [] });
    expect([...s.rank.entries()]).toEqual([
      ['t1', 1],
      ['t2', 2],
      ['t0', 3],
    ]);
  });

  it('never takes a promotion back and promotes a paused trial that enters the top later', () => {
    // t0 went on when it led 3 values; two better values arrive: 2 places of 6, t3 and t4 hold them
    const s = settleRung(
      standings(
        [0.5, 'promoted'],
        [0.2, 'paused'],
        [0.1, 'paused'],
        [0.8, 'paused'],
        [0.7, 'paused'],
        [0.3, 'paused'],
      ),
      3,
      'maximize',
      false,
    );
    expect(s).toMatchObject({ places: 2, promote: ['t3', 't4'], prune: [] });
  });

  it('prunes the paused trials outside max(1, floor(n / rf)) once the rung is complete', () => {
    const s = settleRung(
      standings([0.5, 'promoted'], [0.2, 'paused'], [0.1, 'paused'], [0.8, 'paused']),
      3,
      'maximize',
      true,
    );
    expect(s).toMatchObject({ places: 1, promote: ['t3'], prune: ['t1', 't2'] });
    // two values of factor 3: one place even though floor(2 / 3) = 0
    expect(
      settleRung(standings([0.1, 'paused'], [0.2, 'paused']), 3, 'maximize', true),
    ).toMatchObject({
      places: 1,
      promote: ['t1'],
      prune: ['t0'],
    });
    // pruned trials keep their values in the count and are not pruned again
    expect(
      settleRung(standings([0.1, 'pruned'], [0.2, 'pruned'], [0.3, 'paused']), 3, 'minimize', true),
    ).toMatchObject({ places: 1, promote: [], prune: ['t2'] });
  });

  it('gives a tie to the value recorded first and never promotes NaN', () => {
    expect(
      settleRung(standings([0.4, 'paused'], [0.4, 'paused'], [0.4, 'paused']), 3, 'maximize', false)
        .promote,
    ).toEqual(['t0']);
    const s = settleRung(standings([Number.NaN, 'paused'], [0.1, 'paused']), 3, 'maximize', true);
    expect(s).toMatchObject({ promote: ['t1'], prune: ['t0'] });
    expect(settleRung(standings([Number.NaN, 'paused']), 3, 'maximize', true).prune).toEqual([
      't0',
    ]);
  });

  it('pauses only when the trainer resumes and the sweep does not say pause: false', () => {
    const a = AshaStrategySchema.parse({ kind: 'asha' });
    expect(strategyRules(a).pauses(true)).toBe(true);
    expect(strategyRules(a).pauses(false)).toBe(false);
    const decidedAtOnce = AshaStrategySchema.parse({ kind: 'asha', pause: false });
    expect(strategyRules(decidedAtOnce).pauses(true)).toBe(false);
    expect(strategyRules({ kind: 'grid' }).pauses(true)).toBe(false);
    expect(AshaStrategySchema.safeParse({ kind: 'asha', pause: 'no' }).success).toBe(false);
  });

  it('says why for people', () => {
    expect(rungReason(7, 9, 3, 3, true)).toBe('rank 7 of 9 at epoch 3 (top 3 go on)');
    expect(rungReason(2, 2, 0, 3, false)).toMatch(
      /^rank 2 of 2 at epoch 3 so far \(top 0 go on now; the rest wait/,
    );
  });
});

describe('strategy in the sweep spec', () => {
  const base = {
    name: 's',
    metric: { name: 'bbox_mAP' },
    trainer: { kind: 'noop' },
    checkpoints: [{ name: 'a', uri: 'x' }],
    space: { optimizer: { SGD: { lr: [0.01, 0.02], weight_decay: [0] } } },
    fixed: { epochs: 12 },
  };

  it('defaults to grid and previews the epochs', () => {
    const plan = planSweep(base);
    expect(plan.spec.strategy).toEqual({ kind: 'grid' });
    expect(plan.epochs).toMatchObject({ rungs: [], fullGrid: 24 });
  });

  it('counts the full grid from the spec: cells x checkpoints x own seeds x epochs, confirm trials aside', () => {
    const spec = planSweep({
      ...base,
      checkpoints: [
        { name: 'a', uri: 'x' },
        { name: 'b', uri: 'y' },
      ],
      space: { optimizer: { SGD: { lr: [0.01, 0.02, 0.01], weight_decay: [0] } } }, // 0.01 runs once
      seeds: [0, 1],
      confirm: { top: 1, seeds: [5, 6, 7] },
    }).spec;
    expect(fullGridEpochs(spec)).toBe(2 * 2 * 2 * 12);
    expect(fullGridEpochs(spec)).toBe(planSweep(spec).epochs?.fullGrid); // what the preview showed
    expect(fullGridEpochs({ ...spec, fixed: { epochs: 2.5 } })).toBeNull();
  });

  it('takes asha with its defaults and gives rungs and the fewest epochs', () => {
    const plan = planSweep({ ...base, strategy: { kind: 'asha', min_epochs: 3 } });
    expect(plan.spec.strategy).toEqual({ kind: 'asha', min_epochs: 3, reduction_factor: 3 });
    expect(plan.epochs).toMatchObject({ rungs: [3, 9], fullGrid: 24, fewest: 15 });
  });

  it("reads MMDetection's fixed.max_epochs as the epochs of a trial, and refuses it set apart from fixed.epochs", () => {
    const plan = planSweep({
      ...base,
      fixed: { max_epochs: 12 },
      strategy: { kind: 'asha', min_epochs: 3 },
    });
    expect(plan.epochs).toMatchObject({ rungs: [3, 9], fullGrid: 24 });
    expect(planSweep({ ...base, fixed: { epochs: 12, max_epochs: 12 } }).epochs?.fullGrid).toBe(24);
    expect(() => planSweep({ ...base, fixed: { epochs: 12, max_epochs: 6 } })).toThrow(
      /set the epochs of a trial once: fixed.epochs is 12 and fixed.max_epochs 6/,
    );
  });

  it('refuses asha without integer epochs, rungs, or with a bad reduction factor', () => {
    const bad = (extra: object) => {
      try {
        planSweep({ ...base, ...extra });
      } catch (e) {
        return (e as { issues: Array<{ path: string }> }).issues.map((i) => i.path);
      }
      return [];
    };
    expect(bad({ strategy: { kind: 'asha' }, fixed: {} })).toEqual(['fixed.epochs']);
    expect(bad({ strategy: { kind: 'asha' }, fixed: { epochs: 1 } })).toEqual(['fixed.epochs']);
    expect(bad({ strategy: { kind: 'asha', min_epochs: 12 } })).toEqual(['strategy.min_epochs']);
    expect(bad({ strategy: { kind: 'asha', reduction_factor: 1 } })).toEqual([
      'strategy.reduction_factor',
    ]);
    expect(bad({ strategy: { kind: 'hyperband' } })).toEqual(['strategy.kind']);
  });

  it('accepts a confirm stage with extra seeds and refuses confirm seeds that are not extra seeds', () => {
    expect(planSweep({ ...base, confirm: { top: 2, seeds: [1, 2] } }).spec.confirm).toEqual({
      top: 2,
      seeds: [1, 2],
    });
    expect(() => planSweep({ ...base, confirm: { top: 2, seeds: [0, 1] } })).toThrow(
      /confirm.seeds\[0\]: seed 0 is already in seeds/,
    );
    const confirm = { top: 2, seeds: [1, 2] };
    expect(isConfirmSeed([0], confirm, 1)).toBe(true);
    expect(isConfirmSeed([0], confirm, 0)).toBe(false);
    expect(isConfirmSeed([0], undefined, 1)).toBe(false);
  });
});

const zero = {
  queued: 0,
  running: 0,
  paused: 0,
  succeeded: 0,
  failed: 0,
  cancelled: 0,
  diverged: 0,
};

describe('pruned grid cells', () => {
  it('are drawn apart from cells that ran to the end, with the epoch and the value', () => {
    const matrices = buildGrid(
      [{ name: 'a', baseline: false }],
      [{ optimizer: 'SGD', lrs: [0.1, 0.2], weightDecays: [0] }],
      [
        {
          checkpoint: 'a',
          optimizer: 'SGD',
          configHash: 'h1',
          params: { lr: 0.1, weight_decay: 0 },
          n: 1,
          mean: 0.4,
          std: null,
        },
      ],
      'maximize',
    );
    const counts = [
      { checkpoint: 'a', optimizer: 'SGD', lr: 0.2, weightDecay: 0, ...zero, pruned: 1 },
    ].map((c) => ({
      ...c,
      prunedEpoch: 3,
      prunedValue: 0.21,
      pausedEpoch: null,
      pausedValue: null,
      reason: 'rank 2 of 2 at epoch 3',
    }));
    const cells = gridCellSummaries(matrices, counts);
    expect(cells[0]![1]![0]).toMatchObject({
      state: 'pruned',
      pruned: 1,
      total: 1,
      prunedEpoch: 3,
    });
    expect(cells[0]![0]![0]!.state).toBe('succeeded');
    const withCells = matrices.map((m, k) => ({ ...m, gridCells: cells[k]! }));
    expect(gridToMarkdown(withCells, 'm')).toContain('| 0.2 | pruned@3 (0.2100) |');
    expect(gridToCsv(withCells, 'm').split('\n')[2]).toBe('a,SGD,0.2,0,,,0,0,,1,3,0.21,0,,');
    // the text the CLI's grid and the Markdown export both print, per grid cell
    const m = withCells[0]!;
    expect([0, 1].map((i) => gridCellText(m, i, 0))).toEqual([
      formatMetric(m.values[0]![0]!.mean),
      'pruned@3 (0.2100)',
    ]);
    const bare = { values: [[null, null]], failed: [[2, 0]] };
    expect([0, 1].map((j) => gridCellText(bare, 0, j))).toEqual(['failed', '-']);
  });
});

describe('start order', () => {
  it('starts an asha sweep in trial id order and a grid sweep in grid order', () => {
    const jobs = ['tr_c', 'tr_a', 'tr_b'].map((trialId) => ({ trialId, sweepId: 's' }));
    expect(startOrder(asha(1, 3), jobs).map((j) => j.trialId)).toEqual(['tr_a', 'tr_b', 'tr_c']);
    expect(startOrder({ kind: 'grid' }, jobs)).toBe(jobs);
  });
});
