/**
 * A sweep: phase and counts, one heatmap per checkpoint x optimizer on one shared colour scale, the
 * final/best-epoch switch, the best-setting table, a cell's trials, exports, and cancel/retry for write keys.
 * Everything is re-read from the small aggregates when the event stream says trials changed.
 */
import { useSignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import type { BestTable, Grid, GridValue, Sweep } from '@sweeps/api-client';
import { api, handleError, loadSession, scope } from '../api.ts';
import { BestSettingTable } from '../components/best-table.tsx';
import { Heatmap, type CellRef } from '../components/heatmap.tsx';
import { countsText, Progress } from '../components/progress.tsx';
import { TrialPanel } from '../components/trial-panel.tsx';
import { Untrusted } from '../components/untrusted.tsx';
import { gradient, scaleOf } from '../colors.ts';
import { age, fmt } from '../format.ts';
import { followSweep } from '../live.ts';

/** What the legend's paused key means (asha's promotion form, with a trainer that resumes from its snapshots). */
const PAUSED_KEY =
  "a trial waits at the epoch-N rung: it resumes if it ranks high enough among its checkpoint's trials there, or is pruned once they have all reported";

/** Per checkpoint, the [matrix index, i, j] of its best shown value. */
function bestCells(grid: Grid): Map<string, [number, number, number]> {
  const out = new Map<string, [number, number, number, number, number]>();
  for (const [k, m] of grid.matrices.entries())
    for (const [i, row] of m.values.entries())
      for (const [j, v] of row.entries()) {
        if (!v) continue;
        const cur = out.get(m.checkpoint);
        const better =
          !cur ||
          (grid.goal === 'maximize' ? v.mean > cur[3] : v.mean < cur[3]) ||
          (v.mean === cur[3] && v.n > cur[4]);
        if (better) out.set(m.checkpoint, [k, i, j, v.mean, v.n]);
      }
  return new Map([...out].map(([c, [k, i, j]]) => [c, [k, i, j]]));
}

function Exports({ id }: { id: string }) {
  const href = (table: string, format: string) =>
    `/api/v1/sweeps/${id}/export?format=${format}&table=${table}`;
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

export function SweepPage({ id }: { id: string }) {
  const sweep = useSignal<Sweep | null>(null);
  const grid = useSignal<Grid | null>(null);
  const best = useSignal<BestTable | null>(null);
  const error = useSignal('');
  const notice = useSignal('');
  const live = useSignal<'live' | 'reconnecting' | 'closed' | 'connecting'>('connecting');
  const value = useSignal<GridValue>('final');
  const selected = useSignal<CellRef | null>(null);
  const panelVersion = useSignal(0);
  const valueRef = useRef<GridValue>('final');
  const marked = useRef(false);

  const refresh = async () => {
    try {
      const [s, g, b] = await Promise.all([
        api.sweep(id),
        api.grid(id, valueRef.current),
        api.best(id),
      ]);
      sweep.value = s;
      if (g.value === valueRef.current) grid.value = g;
      best.value = b;
      error.value = '';
    } catch (e) {
      error.value = handleError(e);
    }
  };

  useEffect(() => {
    sweep.value = grid.value = best.value = null;
    const first = refresh();
    // Events between the first read and the stream's start would be lost: on `ready`, compare the counts.
    const changed = async () => {
      await first;
      const before = sweep.value;
      if (!before) return true;
      const now = await api.sweep(id);
      return (
        JSON.stringify(now.counts) !== JSON.stringify(before.counts) || now.phase !== before.phase
      );
    };
    return followSweep(
      id,
      refresh,
      changed,
      (e) => {
        if (selected.value) panelVersion.value++;
        void e;
      },
      (s) => {
        live.value = s;
        if (s === 'closed') void loadSession();
      },
    );
  }, [id]);

  // After the first paint with data: the benchmark reads this mark (time since navigation, the browser's own clock).
  useEffect(() => {
    if (marked.current || !sweep.value || !grid.value || !best.value) return;
    marked.current = true;
    performance.mark('sweep-interactive');
  });

  const setValue = (v: GridValue) => {
    value.value = valueRef.current = v;
    void refresh();
  };

  const act = async (what: 'cancel' | 'retry') => {
    if (
      what === 'cancel' &&
      !confirm(
        'Cancel this sweep? Queued and paused trials are cancelled and running ones are stopped.',
      )
    )
      return;
    try {
      const r = what === 'cancel' ? await api.cancel(id) : await api.retryFailed(id);
      notice.value =
        'requeued' in r
          ? `${r.requeued} failed trial(s) queued again.`
          : `Cancelled ${r.cancelledQueued} queued and ${r.cancelledPaused} paused trial(s) and stopped ${r.stoppedRunning} running one(s).`;
      await refresh();
    } catch (e) {
      notice.value = handleError(e);
    }
  };

  const s = sweep.value;
  const g = grid.value;
  if (error.value && !s)
    return (
      <p class="error">
        <Untrusted text={error.value} />
      </p>
    );
  if (!s || !g) return <p>Loading…</p>;
  const scale = scaleOf(
    g.matrices.flatMap((m) => m.values.flat().flatMap((v) => (v ? [v.mean] : []))),
    g.goal,
  );
  const bests = bestCells(g);
  const canWrite = scope.value === 'write';
  const asha = (s.spec.strategy as { kind?: string } | undefined)?.kind === 'asha';
  return (
    <section class="sweep">
      <header class="sweep-head">
        <div>
          <h1>
            <Untrusted text={s.name} />
          </h1>
          <div class="muted mono">{s.id}</div>
        </div>
        <dl class="facts">
          <dt>Phase</dt>
          <dd>
            <span class={`phase ${s.phase}`} data-testid="sweep-phase">
              {s.phase}
            </span>
          </dd>
          <dt>Metric</dt>
          <dd>
            <Untrusted text={s.metric.name} /> ({s.metric.goal})
          </dd>
          <dt>Trainer</dt>
          <dd>
            <Untrusted text={s.trainer} />
          </dd>
          <dt>Created</dt>
          <dd title={s.createdAt}>{age(s.createdAt)}</dd>
          <dt>Live</dt>
          <dd data-testid="live" class={`live ${live.value}`}>
            {live.value}
          </dd>
        </dl>
      </header>
      <Progress counts={s.counts} />
      <p data-testid="trial-count">{countsText(s.counts)}</p>
      {error.value && (
        <p class="error">
          <Untrusted text={error.value} />
        </p>
      )}
      <div class="toolbar">
        <fieldset class="switch" data-testid="value-switch">
          <legend>Cell value</legend>
          <label>
            <input
              type="radio"
              name="value"
              checked={value.value === 'final'}
              onChange={() => setValue('final')}
            />
            final epoch
          </label>
          <label>
            <input
              type="radio"
              name="value"
              checked={value.value === 'best_epoch'}
              onChange={() => setValue('best_epoch')}
            />
            best epoch
          </label>
        </fieldset>
        <Exports id={s.id} />
        {canWrite && (
          <div class="actions">
            <button
              type="button"
              data-testid="retry-failed"
              disabled={s.counts.failed === 0}
              onClick={() => act('retry')}
            >
              Retry failed
            </button>
            <button
              type="button"
              class="danger"
              data-testid="cancel"
              disabled={s.phase === 'finished' || s.phase === 'cancelled'}
              onClick={() => act('cancel')}
            >
              Cancel sweep
            </button>
          </div>
        )}
      </div>
      {notice.value && (
        <p class="notice" role="status">
          <Untrusted text={notice.value} />
        </p>
      )}
      <p class="shown" data-testid="value-shown">
        Showing each cell's mean <Untrusted text={s.metric.name} /> over seeds, using each trial's{' '}
        <strong>{g.value === 'final' ? 'final epoch' : 'best epoch'}</strong>; ± sample sd (n
        seeds). Rows: lr; columns: weight decay. Outlined: the best cell of each checkpoint.
      </p>
      {asha && (
        <p class="shown" data-testid="asha-key">
          asha: a <strong>paused@N</strong> cell has a trial waiting at the epoch-N rung (its value
          there below) until enough trials of its checkpoint have reported there; it then resumes or
          is pruned. A <strong>pruned@N</strong> cell stopped there for good.
        </p>
      )}
      <div class="legend" aria-hidden="true">
        <span>{scale ? fmt(g.goal === 'maximize' ? scale.min : scale.max) : '–'}</span>
        <span class="bar" style={{ background: gradient() }} />
        <span>{scale ? fmt(g.goal === 'maximize' ? scale.max : scale.min) : '–'}</span>
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
      <div class="heatmaps">
        {g.matrices.map((m, k) => {
          const b = bests.get(m.checkpoint);
          return (
            <Heatmap
              key={`${m.checkpoint}/${m.optimizer}`}
              m={m}
              metric={g.metric}
              scale={scale}
              best={b && b[0] === k ? [b[1], b[2]] : null}
              selected={selected.value}
              onOpen={(c) => {
                selected.value = c;
              }}
            />
          );
        })}
      </div>
      {selected.value && (
        <TrialPanel
          sweepId={s.id}
          metric={s.metric.name}
          cell={selected.value}
          version={panelVersion.value}
          onClose={() => {
            selected.value = null;
          }}
        />
      )}
      {best.value && <BestSettingTable best={best.value} />}
    </section>
  );
}
