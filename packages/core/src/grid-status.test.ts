import { describe, expect, it } from 'vitest';
import type { GridMatrix } from './aggregate.ts';
import { gridCellState, gridCellStatuses } from './grid-status.ts';

const zero = {
  queued: 0,
  running: 0,
  paused: 0,
  succeeded: 0,
  failed: 0,
  cancelled: 0,
  pruned: 0,
  diverged: 0,
  reason: null,
  prunedEpoch: null,
  prunedValue: null,
};

describe('grid cell states', () => {
  it('a value wins; without one running > queued > diverged > failed > cancelled > empty', () => {
    expect(gridCellState({ ...zero, failed: 3, succeeded: 1 }, true)).toBe('succeeded');
    expect(gridCellState({ ...zero, running: 1, paused: 0, queued: 2, failed: 1 }, false)).toBe(
      'running',
    );
    expect(gridCellState({ ...zero, queued: 2, failed: 1 }, false)).toBe('queued');
    expect(gridCellState({ ...zero, failed: 2, diverged: 1 }, false)).toBe('diverged');
    expect(gridCellState({ ...zero, failed: 2, cancelled: 1 }, false)).toBe('failed');
    expect(gridCellState({ ...zero, cancelled: 1 }, false)).toBe('cancelled');
    expect(gridCellState(zero, false)).toBe('empty');
  });

  it('places counts on the matrix cells by checkpoint, optimizer, lr and weight decay', () => {
    const m: GridMatrix = {
      checkpoint: 'a',
      optimizer: 'SGD',
      lrs: [0.1, 1],
      weightDecays: [0],
      values: [
        [
          {
            checkpoint: 'a',
            optimizer: 'SGD',
            configHash: 'h',
            params: {},
            n: 1,
            mean: 0.5,
            std: null,
          },
        ],
        [null],
      ],
      failed: [[0], [1]],
    };
    const s = gridCellStatuses(
      [m],
      [
        {
          checkpoint: 'a',
          optimizer: 'SGD',
          lr: 0.1,
          weightDecay: 0,
          ...zero,
          succeeded: 1,
          queued: 1,
        },
        {
          checkpoint: 'a',
          optimizer: 'SGD',
          lr: 1,
          weightDecay: 0,
          ...zero,
          failed: 1,
          diverged: 1,
          reason: 'loss diverged',
        },
        { checkpoint: 'b', optimizer: 'SGD', lr: 1, weightDecay: 0, ...zero, queued: 5 },
      ],
    );
    expect(s[0]![0]![0]).toMatchObject({ state: 'succeeded', total: 2, queued: 1 });
    expect(s[0]![1]![0]).toMatchObject({ state: 'diverged', total: 1, reason: 'loss diverged' });
  });
});
