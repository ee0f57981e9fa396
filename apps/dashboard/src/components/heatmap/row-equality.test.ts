import { describe, expect, it } from 'vitest';
import { gridCell } from './grid-cell.fixture.ts';
import type { HeatmapRowProps } from './heatmap-row.tsx';
import { sameRowProps } from './row-equality.ts';

const onPick = () => {};
const onKey = () => {};

/** A row as a fresh read of the grid gives it: new objects every time. */
function row(over: Partial<HeatmapRowProps> = {}): HeatmapRowProps {
  const cell = gridCell({ state: 'succeeded', total: 2, running: 1, succeeded: 1 });
  return {
    checkpoint: 'rsb',
    optimizer: 'SGD',
    metric: 'mAP',
    lr: 0.01,
    i: 0,
    weightDecays: [1e-4, 1e-3],
    results: [
      {
        checkpoint: 'rsb',
        optimizer: 'SGD',
        configHash: 'h',
        params: { lr: 0.01 },
        mean: 0.4,
        std: null,
        n: 1,
      },
      null,
    ] as HeatmapRowProps['results'],
    cells: [{ ...cell }, { ...cell, state: 'running', succeeded: 0, total: 1 }],
    scale: { min: 0.1, max: 0.4, goal: 'maximize' },
    notation: { kind: 'fixed', digits: 4 },
    bestJ: 0,
    selectedJ: null,
    focusJ: null,
    onPick,
    onKey,
    ...over,
  };
}

describe('a heatmap row is drawn again only when what it shows changed', () => {
  it('takes a fresh read of the same grid as the same row (params not shown are not compared)', () => {
    const fresh = row();
    (fresh.results[0] as unknown as { params: object }).params = { lr: 0.01, other: 1 };
    expect(sameRowProps(row(), fresh)).toBe(true);
  });

  it("sees a changed value, sd, seed count, a cell's count or state, the scale and the weight decays", () => {
    const a = row();
    const value = (mean: number, n = 1, std: number | null = null) =>
      row({ results: [{ ...a.results[0]!, mean, n, std }, null] });
    expect(sameRowProps(a, value(0.41))).toBe(false);
    expect(sameRowProps(a, value(0.4, 2))).toBe(false);
    expect(sameRowProps(a, value(0.4, 1, 0.1))).toBe(false);
    expect(sameRowProps(a, row({ results: [null, null] }))).toBe(false);
    expect(sameRowProps(a, row({ cells: [{ ...a.cells[0]!, running: 0 }, a.cells[1]!] }))).toBe(
      false,
    );
    expect(
      sameRowProps(a, row({ cells: [a.cells[0]!, { ...a.cells[1]!, state: 'failed' }] })),
    ).toBe(false);
    expect(sameRowProps(a, row({ scale: { min: 0.1, max: 0.5, goal: 'maximize' } }))).toBe(false);
    expect(sameRowProps(a, row({ scale: null }))).toBe(false);
    expect(sameRowProps(a, row({ notation: { kind: 'fixed', digits: 2 } }))).toBe(false);
    expect(sameRowProps(a, row({ weightDecays: [1e-4, 1e-2] }))).toBe(false);
  });

  it('sees best, selection, focus, its place and new handlers', () => {
    const a = row();
    expect(sameRowProps(a, row({ bestJ: null }))).toBe(false);
    expect(sameRowProps(a, row({ selectedJ: 1 }))).toBe(false);
    expect(sameRowProps(a, row({ focusJ: 0 }))).toBe(false);
    expect(sameRowProps(a, row({ i: 1 }))).toBe(false);
    expect(sameRowProps(a, row({ metric: 'loss' }))).toBe(false);
    expect(sameRowProps(a, row({ onPick: () => {} }))).toBe(false);
  });
});
