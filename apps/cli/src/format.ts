/** Plain-text tables and numbers for the terminal. */
import type { TrialSummary } from '@sweeps/api-client';
import { TRIAL_STATES, type TrialState } from '@sweeps/core';
import { printable } from './printable.ts';

export function table(
  header: string[],
  rows: Array<Array<string | number | null | undefined>>,
): string {
  const cells = [
    header,
    ...rows.map((r) => r.map((c) => (c === null || c === undefined ? '-' : printable(String(c))))),
  ];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells
    .map((r, k) => {
      const line = r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd();
      return k === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
    })
    .join('\n');
}

/** Trials by state, in core's order of states. */
export function counts(c: Partial<Record<TrialState, number>>): string {
  return TRIAL_STATES.map((s) => `${s} ${c[s] ?? 0}`).join(' · ');
}

/** Where a paused trial waits (the API's `pausedAt`). */
type PausedAt = NonNullable<TrialSummary['pausedAt']>;

/**
 * A trial's state in a table cell: `failed (diverged)` with a failure's reason, `paused@3` for a trial asha
 * paused at the epoch-3 rung, else the state.
 */
export function trialStateCell(t: {
  state: TrialState;
  reason: string | null;
  pausedAt?: PausedAt | null;
}): string {
  if (t.state === 'paused' && t.pausedAt) return `paused@${t.pausedAt.epoch}`;
  return t.reason ? `${t.state} (${t.reason})` : t.state;
}

/** A paused trial in words: `Paused at epoch 3 (value 0.2100), waiting for its rung`. */
export function pausedSentence(at: PausedAt | null | undefined): string {
  if (!at) return 'Paused, waiting for its rung';
  const value = at.value === null ? '' : ` (value ${at.value.toFixed(4)})`;
  return `Paused at epoch ${at.epoch}${value}, waiting for its rung`;
}

/** What a paused trial waits for and what comes next, said once wherever paused trials are shown. */
export const PAUSED_MEANING =
  'once enough trials of its checkpoint have reported at that rung, it resumes from where it stopped or is pruned';

/** Said under a sweep's counts when some of its trials are paused; null when none is. */
export function pausedNote(c: Partial<Record<TrialState, number>>): string | null {
  const n = c.paused ?? 0;
  if (n === 0) return null;
  const [them, their, each] =
    n === 1 ? ['this trial', 'its', 'it'] : ['these trials', 'their', 'each'];
  return `${n} paused: asha stopped ${them} at a rung until enough trials of ${their} checkpoint have reported there; ${each} then resumes or is pruned.`;
}

/**
 * The key to the grid's asha cells, one line for each kind among `cells` (the texts printed): `paused@3 (0.2100)`
 * and `pruned@3 (0.2100)`.
 */
export function gridKey(cells: readonly string[]): string[] {
  const lines: string[] = [];
  if (cells.some((c) => c.startsWith('paused')))
    lines.push(
      'paused@N (v): a trial of the cell waits at the epoch-N rung with value v; it resumes or is pruned once enough trials of its checkpoint have reported there.',
    );
  if (cells.some((c) => c.startsWith('pruned')))
    lines.push('pruned@N (v): asha stopped the cell at the epoch-N rung for good, with value v.');
  return lines;
}
