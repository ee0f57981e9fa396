/**
 * The bar above the heatmaps: the switch between final and best-epoch values, the export links, and for a write
 * key the retry-failed and cancel buttons.
 */
import type { GridValue, Sweep } from '@sweeps/api-client';
import type { ScaleMode } from '../../colors.ts';
import { scope } from '../../api.ts';
import { GRID_VALUES, VALUE_WORDS } from './heatmap-key.tsx';
import type { SweepAction } from './use-sweep-actions.ts';

function ValueSwitch({ value, onChange }: { value: GridValue; onChange: (v: GridValue) => void }) {
  return (
    <fieldset class="switch" data-testid="value-switch">
      <legend>Cell value</legend>
      {GRID_VALUES.map((v) => (
        <label key={v}>
          <input type="radio" name="value" checked={value === v} onChange={() => onChange(v)} />
          {VALUE_WORDS[v]}
        </label>
      ))}
    </fieldset>
  );
}

const SCALE_WORDS: Record<ScaleMode, string> = {
  checkpoint: 'per checkpoint',
  shared: 'one for all',
};

function ScaleSwitch({ mode, onChange }: { mode: ScaleMode; onChange: (m: ScaleMode) => void }) {
  return (
    <fieldset class="switch" data-testid="scale-switch">
      <legend>Colour scale</legend>
      {(['checkpoint', 'shared'] as const).map((m) => (
        <label key={m}>
          <input type="radio" name="scale" checked={mode === m} onChange={() => onChange(m)} />
          {SCALE_WORDS[m]}
        </label>
      ))}
    </fieldset>
  );
}

function Exports({ id, value }: { id: string; value: GridValue }) {
  const href = (table: string, format: string) =>
    `/api/v1/sweeps/${id}/export?format=${format}&table=${table}${value === 'final' ? '' : `&value=${value}`}`;
  return (
    <div class="exports">
      <span class="muted">Export:</span>
      <a
        class="button"
        href={href('best', 'csv')}
        download={`${id}-best.csv`}
        data-testid="export-best-csv"
      >
        best CSV
      </a>
      <a class="button" href={href('best', 'md')} download={`${id}-best.md`}>
        best Markdown
      </a>
      <a class="button" href={href('grid', 'csv')} download={`${id}-grid.csv`}>
        grid CSV
      </a>
      <a class="button" href={href('grid', 'md')} download={`${id}-grid.md`}>
        grid Markdown
      </a>
    </div>
  );
}

function SweepActions({ sweep, onAct }: { sweep: Sweep; onAct: (what: SweepAction) => void }) {
  return (
    <div class="actions">
      <button
        type="button"
        data-testid="retry-failed"
        disabled={sweep.counts.failed === 0}
        onClick={() => onAct('retry')}
      >
        Retry failed
      </button>
      <button
        type="button"
        class="danger"
        data-testid="cancel"
        disabled={sweep.phase === 'finished' || sweep.phase === 'cancelled'}
        onClick={() => onAct('cancel')}
      >
        Cancel sweep
      </button>
    </div>
  );
}

export function SweepToolbar(props: {
  sweep: Sweep;
  value: GridValue;
  onValue: (v: GridValue) => void;
  scaleMode: ScaleMode;
  onScaleMode: (m: ScaleMode) => void;
  onAct: (what: SweepAction) => void;
}) {
  return (
    <div class="toolbar">
      <ValueSwitch value={props.value} onChange={props.onValue} />
      <ScaleSwitch mode={props.scaleMode} onChange={props.onScaleMode} />
      <Exports id={props.sweep.id} value={props.value} />
      {scope.value === 'write' && <SweepActions sweep={props.sweep} onAct={props.onAct} />}
    </div>
  );
}
