import { describe, expect, it } from 'vitest';
import type { CellResult } from './aggregate.ts';
import {
  confirmCells,
  confirmTrialKey,
  confirmTrials,
  extraConfirmSeeds,
  missingConfirmTrials,
} from './confirm.ts';

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

  it('gives the chosen cells x the extra seeds as the confirm trials', () => {
    const cells = [cell('c1', 0.3), cell('c2', 0.5), cell('c3', 0.4)];
    const trials = confirmTrials(cells, { top: 2, seeds: [0, 7, 8] }, 'maximize', [0]);
    expect(trials.map((t) => confirmTrialKey(t.cell.configHash, t.seed))).toEqual([
      'c2/7',
      'c2/8',
      'c3/7',
      'c3/8',
    ]);
  });

  it('counts the confirm trials still to be added, none when the checkpoint needs none', () => {
    const confirm = { top: 2, seeds: [7] };
    const cells = [cell('c1', 0.3), cell('c2', 0.5), cell('c3', 0.4)];
    expect(missingConfirmTrials(cells, confirm, 'maximize', [0], new Set())).toBe(2);
    expect(missingConfirmTrials(cells, confirm, 'maximize', [0], new Set(['c2/7']))).toBe(1);
    expect(missingConfirmTrials(cells, confirm, 'maximize', [0], new Set(['c2/7', 'c3/7']))).toBe(
      0,
    );
    // a confirm trial of a cell that is no longer in the top (the grid was extended) does not count
    expect(missingConfirmTrials(cells, confirm, 'maximize', [0], new Set(['c1/7', 'c2/7']))).toBe(
      1,
    );
    // known not to be needed: no confirm stage, no extra seed, or no cell with a finite mean
    expect(missingConfirmTrials(cells, undefined, 'maximize', [0], new Set())).toBe(0);
    expect(missingConfirmTrials(cells, { top: 2, seeds: [0] }, 'maximize', [0], new Set())).toBe(0);
    expect(missingConfirmTrials([cell('n', Number.NaN)], confirm, 'maximize', [0], new Set())).toBe(
      0,
    );
    expect(missingConfirmTrials([], confirm, 'maximize', [0], new Set())).toBe(0);
  });
});
