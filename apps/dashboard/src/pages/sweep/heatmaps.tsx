/**
 * Every checkpoint x optimizer matrix of the grid as a heatmap, on one colour scale, each checkpoint's best cell
 * outlined. A heatmap is drawn again only when its matrix, the scale or its own selection changes (the best cells
 * are worked out once per grid, and a selection is passed only to the matrix that holds it).
 */
import { useMemo } from 'preact/hooks';
import type { Grid } from '@sweeps/api-client';
import type { Scale } from '../../colors.ts';
import type { MetricNotation } from '../../format.ts';
import { type CellRef, Heatmap } from '../../components/heatmap/heatmap.tsx';
import { bestCellPerMatrix } from './best-cells.ts';

export function Heatmaps(props: {
  grid: Grid;
  scales: Map<string, Scale | null>;
  notation: MetricNotation;
  selected: CellRef | null;
  onOpen: (c: CellRef) => void;
}) {
  const { grid, selected } = props;
  const best = useMemo(() => bestCellPerMatrix(grid), [grid]);
  return (
    <div class="heatmaps">
      {grid.matrices.map((m, k) => (
        <div class="heatmap-box" key={`${m.checkpoint}/${m.optimizer}`}>
          <Heatmap
            m={m}
            metric={grid.metric}
            scale={props.scales.get(m.checkpoint) ?? null}
            notation={props.notation}
            best={best[k]!}
            selected={
              selected?.checkpoint === m.checkpoint && selected.optimizer === m.optimizer
                ? selected
                : null
            }
            onOpen={props.onOpen}
          />
        </div>
      ))}
    </div>
  );
}
