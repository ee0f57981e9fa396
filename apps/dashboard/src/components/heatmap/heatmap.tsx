/**
 * One checkpoint x optimizer matrix as an HTML table (the WAI-ARIA grid pattern): lr down (a HeatmapRow each),
 * weight decay across (a heatmapCell each), every cell on the sweep's shared scale. Arrow keys move between cells
 * (one tab stop per table), Enter or Space opens a cell's trials, as does a click.
 */
import { memo } from 'preact/compat';
import { useCallback, useRef, useState } from 'preact/hooks';
import type { GridMatrix } from '@sweeps/api-client';
import type { Scale } from '../../colors.ts';
import { escapeBidi } from '../../bidi.ts';
import { type MetricNotation, param } from '../../format.ts';
import { Untrusted } from '../untrusted.tsx';
import { focusAfter, opensCell } from './grid-keys.ts';
import { HeatmapRow } from './heatmap-row.tsx';

/** A grid cell, as the trial panel asks for its trials. */
export interface CellRef {
  checkpoint: string;
  optimizer: string;
  lr: number;
  weightDecay: number;
}

function cellRefOf(m: GridMatrix, i: number, j: number): CellRef {
  return {
    checkpoint: m.checkpoint,
    optimizer: m.optimizer,
    lr: m.lrs[i]!,
    weightDecay: m.weightDecays[j]!,
  };
}

/** The column of the open cell `ref` when it lies in row `lr` of matrix m, else null. */
function selectedColumn(ref: CellRef | null, m: GridMatrix, lr: number): number | null {
  if (ref?.checkpoint !== m.checkpoint || ref.optimizer !== m.optimizer || ref.lr !== lr)
    return null;
  const j = m.weightDecays.indexOf(ref.weightDecay);
  return j < 0 ? null : j;
}

/**
 * The cell with the focus (the table's one tab stop), and the handlers of its cells: a click focuses and opens a
 * cell, keys move the focus or open it. The handlers stay the same while the matrix is read anew, so the rows
 * that did not change are not drawn again.
 */
function useCellFocus(m: GridMatrix, onOpen: (c: CellRef) => void) {
  const [focus, setFocus] = useState<[number, number]>([0, 0]);
  const latest = useRef({ m, onOpen });
  latest.current = { m, onOpen };

  const onPick = useCallback((i: number, j: number) => {
    setFocus([i, j]);
    latest.current.onOpen(cellRefOf(latest.current.m, i, j));
  }, []);

  const onKey = useCallback((e: KeyboardEvent, i: number, j: number) => {
    const { m, onOpen } = latest.current;
    if (opensCell(e.key)) {
      e.preventDefault();
      onOpen(cellRefOf(m, i, j));
      return;
    }
    const next = focusAfter(e.key, [i, j], m.lrs.length, m.weightDecays.length);
    if (!next) return;
    e.preventDefault();
    setFocus(next);
    const table = (e.currentTarget as HTMLElement).closest('table');
    (
      table?.querySelector(`td[data-i="${next[0]}"][data-j="${next[1]}"]`) as HTMLElement | null
    )?.focus();
  }, []);

  return { focus, onPick, onKey };
}

/** The table's caption (checkpoint · optimizer) and its column headers (weight decays). */
function HeatmapHeader({ m }: { m: GridMatrix }) {
  return (
    <>
      <caption>
        <strong>
          <Untrusted text={m.checkpoint} />
        </strong>{' '}
        · {m.optimizer}
      </caption>
      <thead>
        <tr>
          <th scope="col" class="corner">
            lr \ wd
          </th>
          {m.weightDecays.map((wd) => (
            <th scope="col" key={wd}>
              {param(wd)}
            </th>
          ))}
        </tr>
      </thead>
    </>
  );
}

function HeatmapView(props: {
  m: GridMatrix;
  metric: string;
  scale: Scale | null;
  notation: MetricNotation;
  /** [i, j] of the checkpoint's best cell when it is in this matrix. */
  best: [number, number] | null;
  /** The open cell when it is in this matrix (null otherwise, so other matrices are not drawn again). */
  selected: CellRef | null;
  onOpen: (c: CellRef) => void;
}) {
  const { m, metric, scale, notation, best, selected } = props;
  const { focus, onPick, onKey } = useCellFocus(m, props.onOpen);
  return (
    <table
      class="heatmap"
      // biome-ignore lint/a11y/noNoninteractiveElementToInteractiveRole: the WAI-ARIA grid pattern: a table whose cells take focus and open on Enter
      role="grid"
      aria-label={escapeBidi(
        `${m.checkpoint} · ${m.optimizer}: ${metric} by lr (rows) and weight decay (columns)`,
      )}
    >
      <HeatmapHeader m={m} />
      <tbody>
        {m.lrs.map((lr, i) => (
          <HeatmapRow
            key={lr}
            checkpoint={m.checkpoint}
            optimizer={m.optimizer}
            metric={metric}
            lr={lr}
            i={i}
            weightDecays={m.weightDecays}
            results={m.values[i]!}
            cells={m.gridCells[i]!}
            scale={scale}
            notation={notation}
            bestJ={best?.[0] === i ? best[1] : null}
            selectedJ={selectedColumn(selected, m, lr)}
            focusJ={focus[0] === i ? focus[1] : null}
            onPick={onPick}
            onKey={onKey}
          />
        ))}
      </tbody>
    </table>
  );
}

/** Drawn again only when its props change: the page passes the same objects until its grid or selection changes. */
export const Heatmap = memo(HeatmapView);
