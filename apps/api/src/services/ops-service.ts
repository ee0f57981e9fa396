/** Health and Prometheus metrics. */
import { TRIAL_STATES } from '@sweeps/core';
import { pingDatabase, trialDurationStats, trialsByState } from '@sweeps/db';
import { withDeadline } from '@sweeps/orchestrate';
import { queueDepth } from '@sweeps/queue';
import type { ApiDeps } from './deps.ts';

/** Bound on each health probe: a silent service is reported down after this long. */
const HEALTH_DEADLINE_MS = 2_000;

async function check(
  what: string,
  fn: () => Promise<unknown>,
): Promise<{ ok: boolean; error?: string }> {
  try {
    await withDeadline(what, fn(), HEALTH_DEADLINE_MS);
    return { ok: true };
  } catch (err) {
    return { ok: false, error: (err as Error).message.trim().split('\n').at(-1)!.slice(0, 300) };
  }
}

/**
 * Checks PostgreSQL and Redis, each within HEALTH_DEADLINE_MS. The error text is for key holders only
 * (`withDetails`): it may name hosts and ports.
 */
export async function health(deps: ApiDeps, withDetails: boolean) {
  const [postgres, redis] = await Promise.all([
    check('PostgreSQL', () => pingDatabase(deps.db)),
    check('Redis', () => deps.redis.ping()),
  ]);
  const shown = (c: { ok: boolean; error?: string }) => (withDetails ? c : { ok: c.ok });
  return { ok: postgres.ok && redis.ok, postgres: shown(postgres), redis: shown(redis) };
}

/** Prometheus text format: queue depth, trials by state, trial durations. Throws UNAVAILABLE after a deadline. */
export async function prometheusText(deps: ApiDeps): Promise<string> {
  const [depth, states, durations] = await Promise.all([
    withDeadline('Redis', queueDepth(deps.queue)),
    withDeadline('PostgreSQL', trialsByState(deps.db)),
    withDeadline('PostgreSQL', trialDurationStats(deps.db)),
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
