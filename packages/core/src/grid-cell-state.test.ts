import { describe, expect, it } from 'vitest';
import type { GridMatrix } from './aggregate.ts';
import { gridCellText, gridToCsv, gridToMarkdown } from './export-tables.ts';
import { gridCellLabel, gridCellState, gridCellSummaries } from './grid-cell-state.ts';

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
  pausedEpoch: null,
  pausedValue: null,
};

describe('grid cell states', () => {
  it('a value wins; without one running > paused > queued > pruned > diverged > failed > cancelled > empty', () => {
    expect(gridCellState({ ...zero, failed: 3, succeeded: 1 }, true)).toBe('succeeded');
    expect(gridCellState({ ...zero, running: 1, paused: 0, queued: 2, failed: 1 }, false)).toBe(
      'running',
    );
    expect(gridCellState({ ...zero, running: 1, paused: 1 }, false)).toBe('running');
    expect(gridCellState({ ...zero, paused: 1, queued: 2, pruned: 1 }, false)).toBe('paused');
    expect(gridCellState({ ...zero, paused: 1, succeeded: 1 }, true)).toBe('succeeded');
    expect(gridCellState({ ...zero, queued: 2, failed: 1 }, false)).toBe('queued');
    expect(gridCellState({ ...zero, pruned: 1, failed: 2, diverged: 1 }, false)).toBe('pruned');
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
    const s = gridCellSummaries(
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

describe('paused grid cells (asha waiting at a rung)', () => {
  const m: GridMatrix = {
    checkpoint: 'a',
    optimizer: 'SGD',
    lrs: [0.1, 0.2, 0.3],
    weightDecays: [0],
    values: [[null], [null], [null]],
    failed: [[0], [0], [0]],
  };
  const at = (lr: number, extra: object) => ({
    checkpoint: 'a',
    optimizer: 'SGD',
    lr,
    weightDecay: 0,
    ...zero,
    ...extra,
  });
  const cells = gridCellSummaries(
    [m],
    [
      at(0.1, { paused: 1, queued: 1, pausedEpoch: 3, pausedValue: 0.21 }),
      at(0.2, { pruned: 1, prunedEpoch: 9, prunedValue: 0.3 }),
      at(0.3, { paused: 1 }),
    ],
  );
  const withCells = [{ ...m, gridCells: cells[0]! }];

  it('carry the rung epoch they wait at and their value there, counted in the total', () => {
    expect(cells[0]![0]![0]).toMatchObject({
      state: 'paused',
      paused: 1,
      queued: 1,
      total: 2,
      pausedEpoch: 3,
      pausedValue: 0.21,
      prunedEpoch: null,
    });
  });

  it('read paused@epoch (value) in the CLI grid and the Markdown export, like pruned cells', () => {
    expect([0, 1, 2].map((i) => gridCellText(withCells[0]!, i, 0))).toEqual([
      'paused@3 (0.2100)',
      'pruned@9 (0.3000)',
      'paused',
    ]);
    expect(gridCellLabel(cells[0]![0]![0])).toBe('paused@3 (0.2100)');
    expect(gridToMarkdown(withCells, 'm')).toContain('| 0.1 | paused@3 (0.2100) |');
  });

  it('get paused, paused_at_epoch and paused_<metric> columns in the CSV export', () => {
    const lines = gridToCsv(withCells, 'm').split('\n');
    expect(lines[0]!.split(',').slice(-6)).toEqual([
      'pruned',
      'pruned_at_epoch',
      'pruned_m',
      'paused',
      'paused_at_epoch',
      'paused_m',
    ]);
    expect(lines[1]).toBe('a,SGD,0.1,0,,,0,0,,0,,,1,3,0.21');
    expect(lines[2]).toBe('a,SGD,0.2,0,,,0,0,,1,9,0.3,0,,');
  });
});
