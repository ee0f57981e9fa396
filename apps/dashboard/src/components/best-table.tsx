/** The study's table: per checkpoint its best optimizer, lr and weight decay, the metric and the gain. */
import type { BestTable } from '@sweeps/api-client';
import { fmt, param, signed } from '../format.ts';
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

export function BestSettingTable({ best }: { best: BestTable }) {
  return (
    <table class="best" data-testid="best-table">
      <caption>
        Best setting per checkpoint (<Untrusted text={best.metric} />, {best.goal}; final epoch)
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
            <Untrusted text={best.baseline} /> [95 % interval]
          </th>
        </tr>
      </thead>
      <tbody>
        {best.rows.map((r) => (
          <tr
            key={r.checkpoint}
            data-checkpoint={r.checkpoint}
            class={r.baseline ? 'baseline' : ''}
          >
            <th scope="row">
              <Untrusted text={r.checkpoint} />
              {r.baseline && <span class="badge">baseline</span>}
            </th>
            {r.best ? (
              <>
                <td data-col="optimizer">
                  <Untrusted text={optimizerLabel(r.best.optimizer, r.best.params)} />
                </td>
                <td data-col="lr">{param(r.best.params.lr)}</td>
                <td data-col="weight-decay">{param(r.best.params.weight_decay)}</td>
                <td data-col="metric" data-value={String(r.best.mean)}>
                  {fmt(r.best.mean)}
                  {r.best.std !== null && ` ± ${fmt(r.best.std)}`} (n={r.best.n})
                </td>
                <td
                  data-col="gain"
                  data-value={r.gain === null ? '' : String(r.gain)}
                  data-ci={r.gain_ci95 ? r.gain_ci95.join(',') : ''}
                >
                  {r.baseline ? '—' : signed(r.gain)}
                  {!r.baseline && r.gain_ci95 && (
                    <span class="ci" title="95 % Welch interval of the gain over the seeds">
                      {' '}
                      [{signed(r.gain_ci95[0])}, {signed(r.gain_ci95[1])}]
                      {r.within_noise ? ' within noise' : ''}
                    </span>
                  )}
                </td>
              </>
            ) : (
              <td colSpan={5} class="muted">
                nothing succeeded yet
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
