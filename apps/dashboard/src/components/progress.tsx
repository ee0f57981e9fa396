/** Trials by state as one bar, with the same counts in words for screen readers and on hover. */
import type { Counts } from '@sweeps/api-client';

type State = Exclude<keyof Counts, 'total'>;

/**
 * Every trial state in the bar's order (finished ones first), whether it counts as finished (as core's
 * FINISHED_STATES) and what its count says in words. A Record, so a state added to core fails the type check here
 * until it is drawn.
 */
const STATES: Record<State, { finished: boolean; words: (n: number) => string }> = {
  succeeded: { finished: true, words: (n) => `${n} succeeded` },
  pruned: { finished: true, words: (n) => `${n} pruned` },
  failed: { finished: true, words: (n) => `${n} failed` },
  cancelled: { finished: true, words: (n) => `${n} cancelled` },
  running: { finished: false, words: (n) => `${n} running` },
  paused: { finished: false, words: (n) => `${n} paused (waiting at an asha rung)` },
  queued: { finished: false, words: (n) => `${n} queued` },
};
const ORDER = Object.keys(STATES) as State[];

export function countsText(c: Counts): string {
  const done = ORDER.reduce((n, s) => n + (STATES[s].finished ? c[s] : 0), 0);
  const parts = ORDER.filter((s) => c[s] > 0).map((s) => STATES[s].words(c[s]));
  return `${done} of ${c.total} trials finished${parts.length ? ` (${parts.join(', ')})` : ''}`;
}

export function Progress({ counts }: { counts: Counts }) {
  const text = countsText(counts);
  return (
    <div class="progress" role="img" aria-label={text} title={text}>
      {ORDER.map((s) =>
        counts[s] > 0 ? (
          <span
            key={s}
            class={`seg ${s}`}
            style={{ width: `${(100 * counts[s]) / Math.max(counts.total, 1)}%` }}
          />
        ) : null,
      )}
    </div>
  );
}
