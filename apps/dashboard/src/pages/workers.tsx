/** Workers: host, slots, devices, what runs now, heartbeat age; lost workers (no heartbeat) are marked. */
import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import type { WorkerList } from '@sweeps/api-client';
import { api, handleError } from '../api.ts';
import { age } from '../format.ts';
import { Untrusted } from '../components/untrusted.tsx';
import { deviceLines } from './device-words.ts';

export function WorkersPage() {
  const list = useSignal<WorkerList | null>(null);
  const error = useSignal('');
  const now = useSignal(Date.now());
  useEffect(() => {
    let stop = false;
    const load = () =>
      api
        .workers()
        .then((w) => {
          if (stop) return;
          list.value = w;
          now.value = Date.now();
        })
        .catch((e) => {
          if (!stop) error.value = handleError(e);
        });
    void load();
    const t = setInterval(load, 3000);
    return () => {
      stop = true;
      clearInterval(t);
    };
  }, []);
  const l = list.value;
  return (
    <section>
      <h1>Workers</h1>
      {error.value && (
        <p class="error">
          <Untrusted text={error.value} />
        </p>
      )}
      {!l ? (
        <p>Loading…</p>
      ) : l.workers.length === 0 ? (
        <p>
          No worker has reported recently. Start one with <code>npm run worker</code>.
        </p>
      ) : (
        <table class="list" data-testid="workers-table">
          <thead>
            <tr>
              <th scope="col">Worker</th>
              <th scope="col">Liveness</th>
              <th scope="col">Slots</th>
              <th scope="col">Devices</th>
              <th scope="col">Running now</th>
              <th scope="col">Heartbeat</th>
            </tr>
          </thead>
          <tbody>
            {l.workers.map((w) => (
              <tr key={w.id} data-worker={w.id} class={w.liveness}>
                <td>
                  <Untrusted class="mono" text={w.id} />
                  <div class="muted small">
                    <Untrusted text={w.host} /> · pid {w.pid}
                  </div>
                </td>
                <td>
                  <span class={`liveness ${w.liveness}`}>
                    {w.liveness === 'lost' ? 'lost (no heartbeat)' : w.liveness}
                  </span>
                </td>
                <td>
                  {w.running.length} of {w.slots} busy
                </td>
                <td>
                  {deviceLines(w.devices).length === 0 ? (
                    '–'
                  ) : (
                    <ul class="devices" data-testid="devices">
                      {deviceLines(w.devices).map((line, k) => (
                        <li key={k}>
                          <Untrusted text={line} />
                        </li>
                      ))}
                    </ul>
                  )}
                </td>
                <td>
                  {w.running.length === 0
                    ? 'idle'
                    : w.running.map((r) => (
                        <div key={r.trialId}>
                          <a href={`/sweeps/${r.sweepId}`} class="mono small">
                            {r.trialId}
                          </a>
                          {r.startedAt && (
                            <span class="muted small"> since {age(r.startedAt, now.value)}</span>
                          )}
                        </div>
                      ))}
                </td>
                <td title={w.lastHeartbeatAt}>{age(w.lastHeartbeatAt, now.value)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
