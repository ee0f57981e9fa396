/** Plain-text tables and numbers for the terminal. */
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
