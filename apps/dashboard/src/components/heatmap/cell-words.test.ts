import { describe, expect, it } from 'vitest';
import { gridCell as cell } from './grid-cell.fixture.ts';
import {
  cellDescription,
  cellText,
  markOf,
  stateWords,
  trialCountsText,
  endedApart,
} from './cell-words.ts';

describe('a grid cell in words', () => {
  it("marks a cell without a value by its state, with asha's rung epoch when it has one", () => {
    expect(markOf(cell({ state: 'queued', total: 2, queued: 2 }))).toBe('queued');
    expect(markOf(cell({ state: 'paused', paused: 1, total: 1, pausedEpoch: 3 }))).toBe(
      '‖ paused@3',
    );
    expect(markOf(cell({ state: 'pruned', pruned: 1, total: 1, prunedEpoch: 1 }))).toBe(
      '✂ pruned@1',
    );
    expect(markOf(cell({ state: 'pruned', pruned: 1, total: 1 }))).toBe('✂ pruned');
    expect(markOf(cell({ state: 'empty' }))).toBe('–');
  });

  it('says where a paused cell waits and where a pruned one stopped', () => {
    expect(stateWords(cell({ state: 'paused', pausedEpoch: 3, pausedValue: 0.21 }), 'acc')).toBe(
      "paused at epoch 3 (acc 0.2100), waiting for its rung: it resumes if it ranks high enough among its checkpoint's trials there, or is pruned once they have all reported",
    );
    expect(stateWords(cell({ state: 'pruned', prunedEpoch: 1, prunedValue: null }), 'acc')).toBe(
      'pruned at epoch 1',
    );
    expect(stateWords(cell({ state: 'failed' }), 'acc')).toBe('failed');
  });

  it("counts a cell's trials by state, diverged last", () => {
    expect(trialCountsText(cell({ total: 1, queued: 1 }))).toBe('1 trial: 1 queued');
    expect(
      trialCountsText(cell({ total: 4, succeeded: 2, failed: 2, diverged: 1, running: 0 })),
    ).toBe('4 trials: 2 succeeded, 2 failed, 1 diverged');
    expect(trialCountsText(cell({ total: 0 }))).toBe('0 trials');
  });

  it('writes a value with its sd and seeds only when there is more than one seed', () => {
    const c = cell({ state: 'succeeded', total: 3, succeeded: 3 });
    expect(cellText({ mean: 0.5, std: 0.01234, n: 3 }, c)).toBe('0.5000 ± 0.0123 (3 seeds)');
    expect(cellText({ mean: 0.5, std: null, n: 1 }, c)).toBe('0.5000');
    expect(cellText(null, cell({ state: 'running', total: 1, running: 1 }))).toBe('running…');
  });

  it('describes the whole cell for hover and screen readers, bidirectional controls written out', () => {
    const base = {
      checkpoint: 'rsb\u202E',
      optimizer: 'SGD',
      lr: 0.01,
      weightDecay: 0.0001,
      metric: 'mAP',
    };
    expect(
      cellDescription({
        ...base,
        result: { mean: 0.4, std: 0.02, n: 2 },
        cell: cell({ state: 'succeeded', total: 3, succeeded: 2, failed: 1, reason: 'exit 1' }),
        best: true,
      }),
    ).toBe(
      'rsb⟨U+202E⟩ · SGD · lr 0.01 · wd 1e-4: mAP 0.4000 ± 0.0200 (2 seeds) (best of this checkpoint). 3 trials: 2 succeeded, 1 failed. Reason: exit 1',
    );
    expect(
      cellDescription({
        ...base,
        result: null,
        cell: cell({ state: 'queued', total: 1, queued: 1 }),
        best: false,
      }),
    ).toBe('rsb⟨U+202E⟩ · SGD · lr 0.01 · wd 1e-4: queued. 1 trial: 1 queued');
  });
});

describe('a cell whose seeds ended at different epochs', () => {
  it('says a pruned cell stopped over a range of rungs', () => {
    const c = cell({
      state: 'pruned',
      pruned: 3,
      total: 3,
      prunedEpoch: 9,
      prunedValue: 0.35,
      prunedEpochMin: 3,
    });
    expect(markOf(c)).toBe('✂ pruned@3–9');
    expect(endedApart(c, false)).toBe('its seeds were pruned at different epochs, 3 to 9');
    const same = cell({
      state: 'pruned',
      pruned: 2,
      total: 2,
      prunedEpoch: 3,
      prunedValue: 0.35,
      prunedEpochMin: 3,
    });
    expect(markOf(same)).toBe('✂ pruned@3');
    expect(endedApart(same, false)).toBeNull();
  });

  it("says a cell's value is the mean of the seeds that finished when others were pruned", () => {
    const c = cell({ state: 'succeeded', succeeded: 1, pruned: 2, total: 3, prunedEpoch: 3 });
    expect(endedApart(c, true)).toBe(
      '2 of 3 seeds pruned by epoch 3: the mean of the 1 that finished',
    );
    expect(endedApart(cell({ state: 'succeeded', succeeded: 3, total: 3 }), true)).toBeNull();
  });
});
