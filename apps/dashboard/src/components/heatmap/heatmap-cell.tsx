/**
 * One grid cell of a heatmap: coloured on the sweep's shared scale with its value written in it, or, without a
 * value, its state's mark in a style of its own (with asha's rung value for a paused or pruned cell). Its setting
 * and state are in data attributes (the tests read them), its description in its title and accessible name.
 *
 * A sweep draws up to thousands of cells: a cell is a function its row calls, not a component of its own (an
 * instance each would cost more on every full redraw than it could save); the row is what is skipped when
 * nothing in it changed (heatmap-row.tsx).
 */
import type { GridCellSummary } from '@sweeps/api-client';
import { colorOf, type Scale } from '../../colors.ts';
import { type MetricNotation, metric as fmtMetric, spread } from '../../format.ts';
import { cellDescription, endedApart, markOf, rungOf, type ShownResult } from './cell-words.ts';

export interface HeatmapCellProps {
  checkpoint: string;
  optimizer: string;
  lr: number;
  weightDecay: number;
  /** Row and column in the matrix. */
  i: number;
  j: number;
  metric: string;
  /** Mean ± sd over the cell's seeds; null without a result. */
  result: ShownResult | null;
  cell: GridCellSummary;
  scale: Scale | null;
  /** The sweep's notation of metric values. */
  notation: MetricNotation;
  /** The best cell of its checkpoint. */
  best: boolean;
  /** Its trials are open. */
  selected: boolean;
  /** The heatmap's one tab stop. */
  focused: boolean;
  onPick: (i: number, j: number) => void;
  onKey: (e: KeyboardEvent, i: number, j: number) => void;
}

/** The cell's classes: its state (or has-value), best, selected, and whether trials are still to come or failed. */
function cellClass(p: HeatmapCellProps): string {
  const { result, cell } = p;
  const pending =
    result &&
    cell.state === 'succeeded' &&
    (cell.running > 0 || cell.paused > 0 || cell.queued > 0);
  return `cell ${result ? 'has-value' : cell.state}${p.best ? ' best' : ''}${p.selected ? ' selected' : ''}${
    pending ? ' pending' : ''
  }${result && cell.failed > 0 ? ' some-failed' : ''}${rungOf(cell) ? ' rung' : ''}${
    endedApart(cell, result !== null) ? ' apart' : ''
  }`;
}

/** What a cell says: its value (± sd over its seeds), or its mark and asha's rung value. */
function cellContent(result: ShownResult | null, cell: GridCellSummary, n: MetricNotation) {
  if (result)
    return (
      <>
        <span class="v">{fmtMetric(result.mean, n)}</span>
        {result.n > 1 && (
          <span class="sd">
            ± {spread(result.std, n)} ({result.n})
          </span>
        )}
        {cell.pruned > 0 && (
          <span class="sd apart-mark" data-testid="ended-apart">
            ✂ {cell.pruned} pruned
          </span>
        )}
      </>
    );
  const rung = rungOf(cell);
  return (
    <>
      <span class="mark">{markOf(cell)}</span>
      {rung && rung.value !== null && <span class="sd">{fmtMetric(rung.value, n)}</span>}
    </>
  );
}

export function heatmapCell(p: HeatmapCellProps) {
  const { result, cell, i, j } = p;
  // a value is coloured on its checkpoint's scale; a pruned or paused cell by the value at its rung (with a pattern)
  const rungValue = result ? null : (rungOf(cell)?.value ?? null);
  const shownValue = result ? result.mean : rungValue;
  const col = shownValue !== null && p.scale ? colorOf(p.scale, shownValue) : null;
  const description = cellDescription(p);
  return (
    <td
      key={p.weightDecay}
      // biome-ignore lint/a11y/noNoninteractiveElementToInteractiveRole: cells of the WAI-ARIA grid pattern (see heatmap.tsx)
      role="gridcell"
      data-testid="grid-cell"
      data-checkpoint={p.checkpoint}
      data-optimizer={p.optimizer}
      data-lr={String(p.lr)}
      data-weight-decay={String(p.weightDecay)}
      data-state={cell.state}
      data-value={result ? String(result.mean) : ''}
      data-i={i}
      data-j={j}
      class={cellClass(p)}
      data-rung-value={rungValue === null ? undefined : String(rungValue)}
      style={
        col
          ? rungValue === null
            ? { background: col.bg, color: col.fg }
            : { '--c': col.bg, '--fg': col.fg }
          : undefined
      }
      tabIndex={p.focused ? 0 : -1}
      title={description}
      aria-label={description}
      aria-selected={p.selected}
      onClick={() => p.onPick(i, j)}
      onKeyDown={(e) => p.onKey(e, i, j)}
    >
      {cellContent(result, cell, p.notation)}
    </td>
  );
}
