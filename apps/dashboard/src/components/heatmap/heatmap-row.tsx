/**
 * One lr of a heatmap: its header and one cell per weight decay. The unit that is drawn again: a row is skipped
 * when what it shows is unchanged (its cells' values and trials by state, the scale, which of its cells is best,
 * selected or focused), however new the grid's objects are, so moving the focus, opening a cell or a live update
 * redraws only the rows it touches.
 */
import { memo } from 'preact/compat';
import type { GridCellSummary } from '@sweeps/api-client';
import type { Scale } from '../../colors.ts';
import { type MetricNotation, param } from '../../format.ts';
import type { ShownResult } from './cell-words.ts';
import { heatmapCell } from './heatmap-cell.tsx';
import { sameRowProps } from './row-equality.ts';

export interface HeatmapRowProps {
  checkpoint: string;
  optimizer: string;
  metric: string;
  lr: number;
  /** The row's index in the matrix. */
  i: number;
  weightDecays: number[];
  /** Per weight decay: the cell's result (null without one) and its trials by state. */
  results: Array<ShownResult | null>;
  cells: GridCellSummary[];
  scale: Scale | null;
  notation: MetricNotation;
  /** The column of the checkpoint's best cell, of the open cell and of the focused cell when in this row. */
  bestJ: number | null;
  selectedJ: number | null;
  focusJ: number | null;
  /** Both stay the same for the heatmap's life (see heatmap.tsx). */
  onPick: (i: number, j: number) => void;
  onKey: (e: KeyboardEvent, i: number, j: number) => void;
}

function HeatmapRowView(p: HeatmapRowProps) {
  return (
    <tr>
      <th scope="row">{param(p.lr)}</th>
      {p.weightDecays.map((wd, j) =>
        heatmapCell({
          checkpoint: p.checkpoint,
          optimizer: p.optimizer,
          lr: p.lr,
          weightDecay: wd,
          i: p.i,
          j,
          metric: p.metric,
          result: p.results[j] ?? null,
          cell: p.cells[j]!,
          scale: p.scale,
          notation: p.notation,
          best: p.bestJ === j,
          selected: p.selectedJ === j,
          focused: p.focusJ === j,
          onPick: p.onPick,
          onKey: p.onKey,
        }),
      )}
    </tr>
  );
}

export const HeatmapRow = memo(HeatmapRowView, sameRowProps);
