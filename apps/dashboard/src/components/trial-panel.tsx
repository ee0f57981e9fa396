/** A grid cell's trials: learning curves, state, attempts, worker, device, backend, error and output tail. */
import { useSignal } from '@preact/signals';
import { lazy, Suspense } from 'preact/compat';
import { useEffect } from 'preact/hooks';
import type { Trial, TrialSummary } from '@sweeps/api-client';
import { api, handleError } from '../api.ts';
import { DEFAULT_NOTATION, type MetricNotation, metric as fmtMetric, param } from '../format.ts';
import type { CellRef } from './heatmap/heatmap.tsx';
import type { Curve } from './curves.tsx';
import { Untrusted } from './untrusted.tsx';

const Curves = lazy(() => import('./curves.tsx').then((m) => m.Curves));

/** Curves are drawn for at most this many trials of a cell (the table lists them all and says so). */
const MAX_CURVES = 24;
const PAGE = 200;

function seedLabel(t: TrialSummary): string {
  const extra = Object.entries(t.params)
    .filter(([k]) => k !== 'lr' && k !== 'weight_decay')
    .map(([k, v]) => `${k} ${param(v)}`);
  return [`seed ${t.seed}`, ...extra].join(' · ');
}

function chartsOf(metric: string, details: Trial[]) {
  const names = new Set<string>([metric]);
  for (const d of details)
    for (const e of d.epochs) for (const k of Object.keys(e)) if (/loss/i.test(k)) names.add(k);
  return [...names].map((name) => ({
    title: name,
    curves: details.map(
      (d): Curve => ({
        label: seedLabel(d),
        points: d.epochs
          .filter((e) => typeof e[name] === 'number')
          .map((e) => [e.epoch!, e[name]!] as [number, number]),
      }),
    ),
  }));
}

/** A trial's state in words; a paused one says where it waits: `paused at epoch 3 (acc 0.2100), waiting for its rung`. */
function stateText(t: TrialSummary, metric: string, n: MetricNotation): string {
  if (t.state !== 'paused' || !t.pausedAt) return t.state;
  const value = t.pausedAt.value === null ? '' : ` (${metric} ${fmtMetric(t.pausedAt.value, n)})`;
  return `paused at epoch ${t.pausedAt.epoch}${value}, waiting for its rung`;
}

/** Said under a trial's attempts when earlier leases (claims) reported epochs too (their metrics never mix). */
function earlierLeasesText(earlier: number): string {
  return `curves: the latest lease; ${earlier} earlier lease${earlier === 1 ? '' : 's'} kept apart`;
}

export function TrialPanel(props: {
  sweepId: string;
  metric: string;
  /** The sweep's notation of metric values. */
  notation?: MetricNotation;
  cell: CellRef;
  /** Bumped by the page when an event concerns this cell. */
  version: number;
  onClose: () => void;
}) {
  const { cell } = props;
  const trials = useSignal<TrialSummary[] | null>(null);
  const more = useSignal(false);
  const details = useSignal<Trial[]>([]);
  const error = useSignal('');

  useEffect(() => {
    let stop = false;
    (async () => {
      try {
        const page = await api.trials(props.sweepId, {
          checkpoint: cell.checkpoint,
          optimizer: cell.optimizer,
          lr: cell.lr,
          weightDecay: cell.weightDecay,
          limit: PAGE,
        });
        const ds = await Promise.all(
          page.trials.slice(0, MAX_CURVES).map((t) => api.trial(props.sweepId, t.id)),
        );
        if (stop) return;
        trials.value = page.trials;
        more.value = page.nextCursor !== null;
        details.value = ds;
      } catch (e) {
        if (!stop) error.value = handleError(e);
      }
    })();
    return () => {
      stop = true;
    };
  }, [props.sweepId, cell.checkpoint, cell.optimizer, cell.lr, cell.weightDecay, props.version]);

  const ts = trials.value;
  return (
    <section class="panel" aria-label="trials of the selected cell" data-testid="trial-panel">
      <header>
        <h2>
          <Untrusted text={cell.checkpoint} /> · {cell.optimizer} · lr {param(cell.lr)} · wd{' '}
          {param(cell.weightDecay)}
        </h2>
        <button type="button" onClick={props.onClose} aria-label="close the trials panel">
          Close
        </button>
      </header>
      {error.value && (
        <p class="error">
          <Untrusted text={error.value} />
        </p>
      )}
      {!ts ? (
        <p>Loading…</p>
      ) : (
        <>
          <p class="muted">
            {ts.length}
            {more.value ? '+' : ''} trial{ts.length === 1 ? '' : 's'}
            {ts.length > MAX_CURVES ? `; curves of the first ${MAX_CURVES}` : ''}
            {more.value ? `; the table lists the first ${PAGE}` : ''}
          </p>
          {details.value.some((d) => d.epochs.length > 0) && (
            <Suspense fallback={<p>Loading charts…</p>}>
              <Curves charts={chartsOf(props.metric, details.value)} />
            </Suspense>
          )}
          <table class="list trials">
            <thead>
              <tr>
                <th scope="col">Trial</th>
                <th scope="col">State</th>
                <th scope="col">
                  <Untrusted text={props.metric} />
                </th>
                <th scope="col">Attempts</th>
                <th scope="col">Worker</th>
                <th scope="col">Device</th>
                <th scope="col">Backend</th>
              </tr>
            </thead>
            <tbody>
              {ts.map((t) => {
                const d = details.value.find((x) => x.id === t.id);
                return (
                  <tr key={t.id} data-trial={t.id}>
                    <td>
                      {seedLabel(t)}
                      <div class="muted mono small">{t.id}</div>
                      {t.error && (
                        <div class="error small" data-testid="trial-error">
                          <Untrusted text={t.error} />
                        </div>
                      )}
                      {d?.outputTail && (
                        <details>
                          <summary>output tail</summary>
                          <pre>
                            <Untrusted text={d.outputTail} />
                          </pre>
                        </details>
                      )}
                    </td>
                    <td>
                      <span class={`state ${t.state}`}>
                        {stateText(t, props.metric, props.notation ?? DEFAULT_NOTATION)}
                      </span>
                      {t.state === 'paused' && (
                        <div class="muted small">
                          asha resumes it if it ranks high enough among its checkpoint's trials at
                          that rung, or prunes it once they have all reported there
                        </div>
                      )}
                    </td>
                    <td>{fmtMetric(t.finalMetric, props.notation ?? DEFAULT_NOTATION)}</td>
                    <td>
                      {t.attempts}
                      {d && d.metricLeases.length > 1 && (
                        <div class="muted small" data-testid="metric-leases">
                          {earlierLeasesText(d.metricLeases.length - 1)}
                        </div>
                      )}
                    </td>
                    <td class="mono small">{t.worker ? <Untrusted text={t.worker} /> : '–'}</td>
                    <td>{t.device ? <Untrusted text={t.device} /> : '–'}</td>
                    <td>{t.backend ? <Untrusted text={t.backend} /> : '–'}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
