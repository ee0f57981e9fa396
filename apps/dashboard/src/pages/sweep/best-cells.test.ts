import type { Grid, GridMatrix } from '@sweeps/api-client';
import { describe, expect, it } from 'vitest';
import { bestCellPerMatrix } from './best-cells.ts';

type Shown = [number, number] | null; // [mean, n] or no result

function matrix(checkpoint: string, optimizer: string, values: Shown[][]): GridMatrix {
  return {
    checkpoint,
    optimizer,
    lrs: values.map((_, i) => i),
    weightDecays: values[0]!.map((_, j) => j),
    values: values.map((row) =>
      row.map((v) =>
        v
          ? { checkpoint, optimizer, configHash: 'h', params: {}, mean: v[0], std: null, n: v[1] }
          : null,
      ),
    ),
    failed: [],
    gridCells: [],
    cells: [],
  };
}

const grid = (goal: Grid['goal'], matrices: GridMatrix[]): Grid => ({
  metric: 'mAP',
  goal,
  value: 'final',
  matrices,
});

describe("each checkpoint's best cell", () => {
  it('is found across the optimizers of its checkpoint, and only its matrix outlines it', () => {
    const g = grid('maximize', [
      matrix('a', 'SGD', [
        [[0.3, 2], null],
        [
          [0.5, 2],
          [0.1, 2],
        ],
      ]),
      matrix('a', 'AdamW', [
        [
          [0.6, 2],
          [0.2, 2],
        ],
      ]),
      matrix('b', 'SGD', [[null, [0.2, 1]]]),
    ]);
    expect(bestCellPerMatrix(g)).toEqual([null, [0, 0], [0, 1]]);
  });

  it('follows the goal, prefers more seeds on a tie, and the first cell on a full tie', () => {
    const m = matrix('a', 'SGD', [
      [
        [0.3, 2],
        [0.2, 2],
      ],
      [
        [0.2, 3],
        [0.2, 3],
      ],
    ]);
    expect(bestCellPerMatrix(grid('maximize', [m]))).toEqual([[0, 0]]);
    expect(bestCellPerMatrix(grid('minimize', [m]))).toEqual([[1, 0]]);
  });

  it('is none for a checkpoint without any result', () => {
    expect(bestCellPerMatrix(grid('maximize', [matrix('a', 'SGD', [[null]])]))).toEqual([null]);
  });
});
