import type { Grid, GridMatrix } from '@sweeps/api-client';
import { describe, expect, it } from 'vitest';
import { checkpointScales, colorOf, position } from './colors.ts';
import { gridCell } from './components/heatmap/grid-cell.fixture.ts';

function matrix(checkpoint: string, means: Array<number | null>, pruned?: number): GridMatrix {
  return {
    checkpoint,
    optimizer: 'SGD',
    lrs: means.map((_, i) => i),
    weightDecays: [0],
    values: means.map((m) => [
      m === null
        ? null
        : { checkpoint, optimizer: 'SGD', configHash: 'h', params: {}, mean: m, std: null, n: 1 },
    ]),
    failed: means.map(() => [0]),
    gridCells: means.map((m) => [
      m === null && pruned !== undefined
        ? gridCell({ state: 'pruned', pruned: 1, total: 1, prunedEpoch: 3, prunedValue: pruned })
        : gridCell({ state: m === null ? 'queued' : 'succeeded', total: 1 }),
    ]),
    cells: [],
  };
}

const grid = (matrices: GridMatrix[]): Grid => ({
  metric: 'mAP',
  goal: 'maximize',
  value: 'final',
  matrices,
});

describe('colour scales', () => {
  it("gives each checkpoint its own scale, so each one's best cell is its brightest", () => {
    const g = grid([matrix('a', [0.894, 0.921]), matrix('b', [0.2, 0.3])]);
    const scales = checkpointScales(g, 'checkpoint');
    expect(scales.get('a')).toEqual({ min: 0.894, max: 0.921, goal: 'maximize' });
    expect(position(scales.get('a')!, 0.921)).toBe(1);
    expect(position(scales.get('a')!, 0.894)).toBe(0);
    expect(colorOf(scales.get('a')!, 0.921).bg).not.toBe(colorOf(scales.get('a')!, 0.894).bg);
    const shared = checkpointScales(g, 'shared');
    expect(shared.get('a')).toEqual({ min: 0.2, max: 0.921, goal: 'maximize' });
    expect(shared.get('b')).toBe(shared.get('a'));
  });

  it('colours a checkpoint with no finished cell from its rung values, and clamps a value outside the domain', () => {
    const scales = checkpointScales(grid([matrix('a', [null, null], 0.05)]), 'checkpoint');
    expect(scales.get('a')).toEqual({ min: 0.05, max: 0.05, goal: 'maximize' });
    const s = { min: 0.5, max: 0.9, goal: 'maximize' as const };
    expect(position(s, 0.1)).toBe(0);
    expect(position(s, 1.2)).toBe(1);
    expect(position({ ...s, goal: 'minimize' }, 0.5)).toBe(1);
  });
});
