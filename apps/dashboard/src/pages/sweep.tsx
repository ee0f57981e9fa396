/**
 * A sweep: phase and counts, the final/best-epoch switch, the answer first (the best-setting table with its
 * intervals), then one heatmap per checkpoint x optimizer, a cell's trials, exports, and cancel/retry for write keys.
 * Everything is re-read from the small aggregates when the event stream says trials changed (useSweepView).
 */
import { useMemo } from 'preact/hooks';
import { checkpointScales, type ScaleMode } from '../colors.ts';
import { useSignal } from '@preact/signals';
import { metricNotation } from '../format.ts';
import { BestSettingTable } from '../components/best-table.tsx';
import { countsText, Progress } from '../components/progress.tsx';
import { TrialPanel } from '../components/trial-panel.tsx';
import { Untrusted } from '../components/untrusted.tsx';
import { CellPanel } from './sweep/cell-panel.tsx';
import { AshaKey, HeatmapLegend, ValueShown } from './sweep/heatmap-key.tsx';
import { Heatmaps } from './sweep/heatmaps.tsx';
import { SweepHead } from './sweep/sweep-head.tsx';
import { SweepToolbar } from './sweep/sweep-toolbar.tsx';
import { useInteractiveMark } from './sweep/use-interactive-mark.ts';
import { useOpenCell } from './sweep/use-open-cell.ts';
import { useSweepActions } from './sweep/use-sweep-actions.ts';
import { shownValues } from './sweep/shown-values.ts';
import { useSweepView } from './sweep/use-sweep-view.ts';

function ErrorLine({ text }: { text: string }) {
  return (
    <p class="error">
      <Untrusted text={text} />
    </p>
  );
}

export function SweepPage({ id }: { id: string }) {
  const openCell = useOpenCell();
  const view = useSweepView(id, openCell.onTrialEvent);
  const actions = useSweepActions(id, view.refresh);
  useInteractiveMark(() => !!(view.sweep.value && view.grid.value && view.best.value));
  const s = view.sweep.value;
  const g = view.grid.value;
  const scaleMode = useSignal<ScaleMode>('checkpoint');
  const mode = scaleMode.value;
  const scales = useMemo(() => (g ? checkpointScales(g, mode) : new Map()), [g, mode]);
  const b = view.best.value;
  const notation = useMemo(() => metricNotation(shownValues(g, b)), [g, b]);
  const error = view.error.value;

  if (error && !s) return <ErrorLine text={error} />;
  if (!s || !g) return <p>Loading…</p>;
  const asha = (s.spec.strategy as { kind?: string } | undefined)?.kind === 'asha';
  const cell = openCell.cell.value;
  return (
    <section class="sweep">
      <SweepHead sweep={s} connection={view.connection.value} />
      <Progress counts={s.counts} />
      <p data-testid="trial-count">{countsText(s.counts)}</p>
      {error && <ErrorLine text={error} />}
      <SweepToolbar
        sweep={s}
        value={view.value.value}
        onValue={view.setValue}
        scaleMode={mode}
        onScaleMode={(m) => {
          scaleMode.value = m;
        }}
        onAct={actions.act}
      />
      {actions.notice.value && (
        <p class="notice" role="status">
          <Untrusted text={actions.notice.value} />
        </p>
      )}
      {b && <BestSettingTable best={b} value={view.bestFor.value} notation={notation} />}
      <ValueShown metric={s.metric.name} value={g.value} />
      {asha && <AshaKey />}
      <HeatmapLegend scales={scales} asha={asha} notation={notation} />
      <Heatmaps
        grid={g}
        scales={scales}
        notation={notation}
        selected={cell}
        onOpen={openCell.open}
      />
      {cell && (
        <CellPanel cell={cell} onClose={openCell.close}>
          <TrialPanel
            sweepId={s.id}
            metric={s.metric.name}
            notation={notation}
            cell={cell}
            version={openCell.version.value}
            onClose={openCell.close}
          />
        </CellPanel>
      )}
    </section>
  );
}
