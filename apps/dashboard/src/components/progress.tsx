/** Trials by state as one bar, with the same counts in words for screen readers and on hover. */
import type { Counts } from '@sweeps/api-client';

const STATES = ['succeeded', 'failed', 'cancelled', 'running', 'queued'] as const;

export function countsText(c: Counts): string {
  const done = c.succeeded + c.failed + c.cancelled;
  const parts = STATES.filter((s) => c[s] > 0).map((s) => `${c[s]} ${s}`);
  return `${done} of ${c.total} trials finished${parts.length ? ` (${parts.join(', ')})` : ''}`;
}

export function Progress({ counts }: { counts: Counts }) {
  const text = countsText(counts);
  return (
    <div class="progress" role="img" aria-label={text} title={text}>
      {STATES.map((s) =>
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
