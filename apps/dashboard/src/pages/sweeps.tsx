/** Sweeps, newest first, paged by creation time. */
import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import type { SweepList } from '@sweeps/api-client';
import { api, handleError } from '../api.ts';
import { Progress, countsText } from '../components/progress.tsx';
import { Untrusted } from '../components/untrusted.tsx';
import { age, fmt } from '../format.ts';

const PAGE = 25;

export function SweepsPage() {
  const list = useSignal<SweepList | null>(null);
  const error = useSignal('');
  // Stack of `before` cursors: the last one is the page shown.
  const pages = useSignal<Array<string | undefined>>([undefined]);
  const before = pages.value[pages.value.length - 1];

  useEffect(() => {
    let stop = false;
    const load = () =>
      api
        .listSweeps({ limit: PAGE, before })
        .then((l) => {
          if (!stop) list.value = l;
        })
        .catch((e) => {
          if (!stop) error.value = handleError(e);
        });
    void load();
    const t = setInterval(load, 5000);
    return () => {
      stop = true;
      clearInterval(t);
    };
  }, [before]);

  const l = list.value;
  return (
    <section>
      <h1>Sweeps</h1>
      {error.value && (
        <p class="error">
          <Untrusted text={error.value} />
        </p>
      )}
      {!l ? (
        <p>Loading…</p>
      ) : l.sweeps.length === 0 ? (
        <p>
          No sweeps yet. <a href="/new">Submit one</a>.
        </p>
      ) : (
        <table class="list" data-testid="sweeps-table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Phase</th>
              <th scope="col">Progress</th>
              <th scope="col">Best</th>
              <th scope="col">Trainer</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {l.sweeps.map((s) => (
              <tr key={s.id} data-sweep={s.id}>
                <td>
                  <a href={`/sweeps/${s.id}`}>
                    <Untrusted text={s.name} />
                  </a>
                  <div class="muted mono">{s.id}</div>
                </td>
                <td>
                  <span class={`phase ${s.phase}`}>{s.phase}</span>
                </td>
                <td>
                  <Progress counts={s.counts} />
                  <div class="muted small">{countsText(s.counts)}</div>
                </td>
                <td>
                  {fmt(s.best)} <Untrusted class="muted small" text={s.metricName} />
                </td>
                <td>
                  <Untrusted text={s.trainerKind} />
                </td>
                <td title={s.createdAt}>{age(s.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div class="pager">
        <button
          type="button"
          disabled={pages.value.length < 2}
          onClick={() => {
            pages.value = pages.value.slice(0, -1);
          }}
        >
          Newer
        </button>
        <button
          type="button"
          disabled={!l?.nextBefore}
          onClick={() => {
            if (l?.nextBefore) pages.value = [...pages.value, l.nextBefore];
          }}
        >
          Older
        </button>
      </div>
    </section>
  );
}
