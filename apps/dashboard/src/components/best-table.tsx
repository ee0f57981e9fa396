/**
 * The study's answer: per checkpoint its best optimizer, lr and weight decay, the metric (mean ± sd, n), the gain
 * over the baseline with its 95 % interval drawn on one axis shared by the rows ("within noise" when it holds 0),
 * and the runner-up with the p-value of best vs runner-up. Follows the final/best-epoch switch.
 */
import type { BestTable, GridValue } from '@sweeps/api-client';
import {
  type MetricNotation,
  metric as fmtMetric,
  param,
  signedMetric,
  spread,
} from '../format.ts';
import { axisExtent, intervalGeometry, noIntervalReason } from './best/gain-interval.ts';
import { Untrusted } from './untrusted.tsx';

export function optimizerLabel(
  optimizer: string,
  params: Record<string, number | boolean>,
): string {
  const extra = Object.entries(params).filter(([k]) => k !== 'lr' && k !== 'weight_decay');
  return extra.length
    ? `${optimizer} (${extra.map(([k, v]) => `${k} ${param(v)}`).join(', ')})`
    : optimizer;
}

type Row = BestTable['rows'][number];

function GainCell({
  row,
  extent,
  baselineN,
  n,
}: {
  row: Row;
  extent: number;
  baselineN: number | null;
  n: MetricNotation;
}) {
  const signed = (v: number | null) => signedMetric(v, n);
  const ci = row.gain_ci95;
  const g = intervalGeometry(row.gain, ci, extent);
  const why = noIntervalReason(row, baselineN);
  return (
    <td
      data-col="gain"
      data-label="Gain"
      data-value={row.gain === null ? '' : String(row.gain)}
      data-ci={ci ? ci.join(',') : ''}
    >
      <div
        class="gain-ci"
        data-testid="gain-ci"
        data-low={ci ? String(ci[0]) : ''}
        data-high={ci ? String(ci[1]) : ''}
        data-within-noise={row.within_noise === null ? '' : String(row.within_noise)}
      >
        <span class="gain">{signed(row.gain)}</span>
        {ci ? (
          <span class="ci-text">
            {' '}
            [{signed(ci[0])}, {signed(ci[1])}]
          </span>
        ) : (
          why && <span class="muted ci-none"> {why}</span>
        )}
        {row.within_noise && <span class="noise">within noise</span>}
        <span
          class="ci-axis"
          role="img"
          aria-label={
            ci
              ? `95% interval of the gain from ${signed(ci[0])} to ${signed(ci[1])}${row.within_noise ? ', which holds 0' : ''}`
              : `gain ${signed(row.gain)}, no interval`
          }
        >
          <span class="ci-zero" style={{ left: `${g.zero}%` }} />
          {g.low !== null && g.high !== null && (
            <span
              class={`ci-bar${row.within_noise ? ' noisy' : ''}`}
              style={{ left: `${g.low}%`, width: `${Math.max(0.5, g.high - g.low)}%` }}
            />
          )}
          {g.gain !== null && <span class="ci-dot" style={{ left: `${g.gain}%` }} />}
        </span>
      </div>
    </td>
  );
}

function RunnerUp({ row, n }: { row: Row; n: MetricNotation }) {
  const r = row.runner_up;
  if (!r)
    return (
      <td data-col="runner-up" data-label="Runner-up" class="muted">
        none
      </td>
    );
  return (
    <td
      data-col="runner-up"
      data-label="Runner-up"
      data-p={row.p_vs_runner_up === null ? '' : String(row.p_vs_runner_up)}
    >
      <Untrusted text={optimizerLabel(r.optimizer, r.params)} /> lr {param(r.params.lr)} wd{' '}
      {param(r.params.weight_decay)}: {fmtMetric(r.mean, n)} (n={r.n})
      <div class="small">
        {row.p_vs_runner_up === null
          ? 'p: needs 2 seeds a side'
          : `p = ${row.p_vs_runner_up.toPrecision(2)}`}
      </div>
    </td>
  );
}

export function BestSettingTable({
  best,
  value,
  notation,
}: {
  best: BestTable;
  value: GridValue;
  notation: MetricNotation;
}) {
  const extent = axisExtent(best.rows);
  const baselineN = best.rows.find((r) => r.baseline)?.best?.n ?? null;
  return (
    <div class="best-wrap">
      <table class="best" data-testid="best-table" data-value={value}>
        <caption>
          The answer: best setting per checkpoint (<Untrusted text={best.metric} />, {best.goal};{' '}
          {value === 'final' ? 'final epoch' : 'best epoch'})
        </caption>
        <thead>
          <tr>
            <th scope="col">Checkpoint</th>
            <th scope="col">Optimizer</th>
            <th scope="col">lr</th>
            <th scope="col">Weight decay</th>
            <th scope="col">
              <Untrusted text={best.metric} /> (mean ± sd, n)
            </th>
            <th scope="col">
              Gain{best.baseline && ' vs '}
              <Untrusted text={best.baseline} /> (95% interval)
            </th>
            <th scope="col">Runner-up (p vs best)</th>
          </tr>
        </thead>
        <tbody>
          {best.rows.map((r) => (
            <tr
              key={r.checkpoint}
              data-checkpoint={r.checkpoint}
              class={r.baseline ? 'baseline' : ''}
            >
              <th scope="row" data-label="Checkpoint">
                <Untrusted text={r.checkpoint} />
                {r.baseline && <span class="badge">baseline</span>}
              </th>
              {r.best ? (
                <>
                  <td data-col="optimizer" data-label="Optimizer">
                    <Untrusted text={optimizerLabel(r.best.optimizer, r.best.params)} />
                  </td>
                  <td data-col="lr" data-label="lr">
                    {param(r.best.params.lr)}
                  </td>
                  <td data-col="weight-decay" data-label="Weight decay">
                    {param(r.best.params.weight_decay)}
                  </td>
                  <td data-col="metric" data-label="Metric" data-value={String(r.best.mean)}>
                    {fmtMetric(r.best.mean, notation)}
                    {r.best.std !== null && ` ± ${spread(r.best.std, notation)}`} (n={r.best.n})
                    {r.best.n === 1 && <div class="small muted">one seed</div>}
                  </td>
                  {r.baseline ? (
                    <td
                      data-col="gain"
                      data-ci=""
                      data-label="Gain"
                      data-value={r.gain === null ? '' : String(r.gain)}
                    >
                      —
                    </td>
                  ) : (
                    <GainCell row={r} extent={extent} baselineN={baselineN} n={notation} />
                  )}
                  <RunnerUp row={r} n={notation} />
                </>
              ) : (
                <>
                  <td colSpan={4} class="muted">
                    nothing succeeded yet
                  </td>
                  {r.baseline ? (
                    <td data-col="gain" data-ci="" data-label="Gain" data-value="">
                      —
                    </td>
                  ) : (
                    <GainCell row={r} extent={extent} baselineN={baselineN} n={notation} />
                  )}
                  <RunnerUp row={r} n={notation} />
                </>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
