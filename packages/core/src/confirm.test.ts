import { describe, expect, it } from 'vitest';
import type { CellResult } from './aggregate.ts';
import { confirmCells, extraConfirmSeeds } from './confirm.ts';

const cell = (configHash: string, mean: number, n = 1, optimizer = 'SGD'): CellResult => ({
  checkpoint: 'a',
  optimizer,
  configHash,
  params: {},
  n,
  mean,
  std: null,
});

describe('confirm stage', () => {
  it('chooses the top cells as the best table ranks them', () => {
    const cells = [cell('c1', 0.3), cell('c2', 0.5), cell('c3', 0.4), cell('c4', 0.1)];
    expect(
      confirmCells(cells, { top: 2, seeds: [1] }, 'maximize').map((c) => c.configHash),
    ).toEqual(['c2', 'c3']);
    expect(
      confirmCells(cells, { top: 2, seeds: [1] }, 'minimize').map((c) => c.configHash),
    ).toEqual(['c4', 'c1']);
  });

  it('breaks ties by more seeds, then optimizer and hash, and never chooses a non-finite mean', () => {
    const cells = [
      cell('b', 0.5, 1, 'SGD'),
      cell('a', 0.5, 1, 'SGD'),
      cell('z', 0.5, 2, 'SGD'),
      cell('y', 0.5, 1, 'AdamW'),
      cell('n', Number.NaN),
    ];
    expect(
      confirmCells(cells, { top: 10, seeds: [1] }, 'maximize').map((c) => c.configHash),
    ).toEqual(['z', 'y', 'a', 'b']);
  });

  it('runs only seeds the sweep does not run already', () => {
    expect(extraConfirmSeeds([0, 1], { top: 1, seeds: [1, 2, 3] })).toEqual([2, 3]);
  });
});
