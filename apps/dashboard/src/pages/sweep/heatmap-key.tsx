/**
 * What the heatmaps show, in words above them: which value a cell holds, asha's paused and pruned marks, and the
 * legend of the colour scale and of the cells without a value.
 */
import type { GridValue } from '@sweeps/api-client';
import { gradient, type Scale } from '../../colors.ts';
import { Untrusted } from '../../components/untrusted.tsx';
import { type MetricNotation, metric as fmtMetric } from '../../format.ts';

/** The values a cell can show, in the switch's order, and their words. */
export const GRID_VALUES: readonly GridValue[] = ['final', 'best_epoch'];
export const VALUE_WORDS: Record<GridValue, string> = {
  final: 'final epoch',
  best_epoch: 'best epoch',
};

/** What the legend's paused key means (asha's promotion form, with a trainer that resumes from its snapshots). */
const PAUSED_KEY =
  "a trial waits at the epoch-N rung: it resumes if it ranks high enough among its checkpoint's trials there, or is pruned once they have all reported";

export function ValueShown({ metric, value }: { metric: string; value: GridValue }) {
  return (
    <p class="shown" data-testid="value-shown">
      Showing each cell's mean <Untrusted text={metric} /> over seeds, using each trial's{' '}
      <strong>{VALUE_WORDS[value]}</strong>; ± sample sd (n seeds). Rows: lr; columns: weight decay.
      Outlined: the best cell of each checkpoint. A cell whose other seeds were pruned shows the
      mean of those that finished and says how many were pruned; a pruned or paused cell is striped
      in the colour of its value at the rung it stopped or waits at.
    </p>
  );
}

export function AshaKey() {
  return (
    <p class="shown" data-testid="asha-key">
      asha: a <strong>paused@N</strong> cell has a trial waiting at the epoch-N rung (its value
      there below) until enough trials of its checkpoint have reported there; it then resumes or is
      pruned. A <strong>pruned@N</strong> cell stopped there for good.
    </p>
  );
}

/** One scale: whose it is, its worst and best values (better is brighter whatever the goal). */
function ScaleLegend(props: { who: string; scale: Scale | null; notation: MetricNotation }) {
  const { scale, notation } = props;
  const worst = scale && (scale.goal === 'maximize' ? scale.min : scale.max);
  const bestValue = scale && (scale.goal === 'maximize' ? scale.max : scale.min);
  return (
    <div class="legend" data-testid="scale-legend" data-scale={props.who}>
      <span class="who">
        <Untrusted text={props.who} />
      </span>
      <span data-testid="scale-worst">{scale ? fmtMetric(worst, notation) : '–'}</span>
      <span class="bar" style={{ background: gradient() }} aria-hidden="true" />
      <span data-testid="scale-best">{scale ? fmtMetric(bestValue, notation) : '–'}</span>
    </div>
  );
}

/** One legend per scale (per checkpoint, or one shared), then one key per cell style. */
export function HeatmapLegend({
  scales,
  asha,
  notation,
}: {
  scales: Map<string, Scale | null>;
  asha: boolean;
  notation: MetricNotation;
}) {
  const distinct = [...new Set(scales.values())];
  const shared = distinct.length === 1 && scales.size > 1;
  return (
    <>
      <div class="legends">
        {shared ? (
          <ScaleLegend who="all checkpoints" scale={distinct[0]!} notation={notation} />
        ) : (
          [...scales].map(([c, s]) => <ScaleLegend key={c} who={c} scale={s} notation={notation} />)
        )}
      </div>
      <div class="legend" aria-hidden="true">
        <span class="muted">(brighter is better)</span>
        <span class="key queued">queued</span>
        <span class="key running">running…</span>
        <span class="key failed">✕ failed</span>
        <span class="key diverged">⚠ diverged</span>
        {asha && (
          <>
            <span class="key paused" title={PAUSED_KEY}>
              ‖ paused@N
            </span>
            <span class="key pruned" title="asha stopped these trials at the epoch-N rung for good">
              ✂ pruned@N
            </span>
          </>
        )}
      </div>
    </>
  );
}
