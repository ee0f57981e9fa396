/** Health and Prometheus metrics. */
import { TRIAL_STATES } from '@sweeps/core';
import { trialDurationStats, trialsByState } from '@sweeps/db';
import { queueDepth } from '@sweeps/queue';
import type { ApiDeps } from './deps.ts';

async function check(fn: () => Promise<unknown>): Promise<{ ok: boolean; error?: string }> {
  try {
    await fn();
    return { ok: true };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

export async function health(deps: ApiDeps) {
  const [postgres, redis] = await Promise.all([
    check(() => deps.db.$queryRaw`SELECT 1`),
    check(() => deps.redis.ping()),
  ]);
  return { ok: postgres.ok && redis.ok, postgres, redis };
}

/** Prometheus text format: queue depth, trials by state, trial durations. */
export async function prometheusText(deps: ApiDeps): Promise<string> {
  const [depth, states, durations] = await Promise.all([
    queueDepth(deps.queue),
    trialsByState(deps.db),
    trialDurationStats(deps.db),
  ]);
  const lines = [
    '# HELP sweeps_queue_jobs Trial jobs in Redis by state.',
    '# TYPE sweeps_queue_jobs gauge',
  ];
  for (const [state, n] of Object.entries(depth))
    lines.push(`sweeps_queue_jobs{state="${state}"} ${n}`);
  lines.push('# HELP sweeps_trials Trials in PostgreSQL by state.', '# TYPE sweeps_trials gauge');
  for (const state of TRIAL_STATES)
    lines.push(`sweeps_trials{state="${state}"} ${states[state] ?? 0}`);
  lines.push(
    '# HELP sweeps_trial_duration_seconds Wall time of finished trials.',
    '# TYPE sweeps_trial_duration_seconds histogram',
  );
  const byState = new Map<string, typeof durations>();
  for (const d of durations) byState.set(d.state, [...(byState.get(d.state) ?? []), d]);
  for (const [state, rows] of byState) {
    for (const r of rows)
      lines.push(
        `sweeps_trial_duration_seconds_bucket{state="${state}",le="${Number.isFinite(r.le) ? r.le : '+Inf'}"} ${r.n}`,
      );
    const total = rows[rows.length - 1]!;
    lines.push(
      `sweeps_trial_duration_seconds_sum{state="${state}"} ${total.sum_s}`,
      `sweeps_trial_duration_seconds_count{state="${state}"} ${total.n}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
