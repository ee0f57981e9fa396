/** A sweep's name and id, and its facts: phase, metric, trainer, age, and whether its events are heard live. */
import type { Sweep } from '@sweeps/api-client';
import { Untrusted } from '../../components/untrusted.tsx';
import { age } from '../../format.ts';
import type { Connection } from '../../live.ts';

export function SweepHead({ sweep, connection }: { sweep: Sweep; connection: Connection }) {
  return (
    <header class="sweep-head">
      <div>
        <h1>
          <Untrusted text={sweep.name} />
        </h1>
        <div class="muted mono">{sweep.id}</div>
      </div>
      <dl class="facts">
        <dt>Phase</dt>
        <dd>
          <span class={`phase ${sweep.phase}`} data-testid="sweep-phase">
            {sweep.phase}
          </span>
        </dd>
        <dt>Metric</dt>
        <dd>
          <Untrusted text={sweep.metric.name} /> ({sweep.metric.goal})
        </dd>
        <dt>Trainer</dt>
        <dd>
          <Untrusted text={sweep.trainer} />
        </dd>
        <dt>Created</dt>
        <dd title={sweep.createdAt}>{age(sweep.createdAt)}</dd>
        <dt>Live</dt>
        <dd data-testid="live" class={`live ${connection}`}>
          {connection}
        </dd>
      </dl>
    </header>
  );
}
