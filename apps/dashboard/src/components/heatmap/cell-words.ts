/**
 * A grid cell in words: the short mark a cell without a value shows (`queued`, `‖ paused@3`), the text a cell
 * shows, and the longer description given on hover and as its accessible name (its setting, value or state, and
 * its trials by state).
 */
import type { CellResult, GridCellSummary } from '@sweeps/api-client';
import { escapeBidi } from '../../bidi.ts';
import {
  DEFAULT_NOTATION,
  type MetricNotation,
  metric as fmtMetric,
  param,
  spread,
} from '../../format.ts';

/** What a cell shows of its value: mean ± sample sd over its n seeds. */
export type ShownResult = Pick<CellResult, 'mean' | 'std' | 'n'>;

/** What a cell without a value shows, per state (a Record: a state added to core must be given words here). */
const MARK: Record<GridCellSummary['state'], string> = {
  succeeded: '',
  running: 'running…',
  paused: '‖ paused',
  queued: 'queued',
  pruned: '✂ pruned',
  diverged: '⚠ diverged',
  failed: '✕ failed',
  cancelled: 'cancelled',
  empty: '–',
};

/** The trial states a cell's counts are listed in, in this order (diverged, part of failed, comes last). */
const COUNTED = [
  'succeeded',
  'running',
  'paused',
  'queued',
  'pruned',
  'failed',
  'cancelled',
] as const;

/** asha's rung for a paused or pruned cell: its epoch and value there (null for any other cell). */
export function rungOf(
  cell: GridCellSummary,
): { epoch: number | null; value: number | null } | null {
  if (cell.state === 'paused') return { epoch: cell.pausedEpoch, value: cell.pausedValue };
  if (cell.state === 'pruned') return { epoch: cell.prunedEpoch, value: cell.prunedValue };
  return null;
}

/** The earliest epoch a pruned cell's trials stopped at, when its seeds stopped at different epochs; else null. */
export function prunedFrom(cell: GridCellSummary): number | null {
  const low = cell.prunedEpochMin;
  return cell.prunedEpoch !== null && low != null && low < cell.prunedEpoch ? low : null;
}

/** The mark of a cell without a value: `‖ paused@3`, `✂ pruned@3`, `✂ pruned@3–9` (seeds stopped apart), `queued`. */
export function markOf(cell: GridCellSummary): string {
  const r = rungOf(cell);
  if (r?.epoch == null) return MARK[cell.state];
  const from = cell.state === 'pruned' ? prunedFrom(cell) : null;
  return `${MARK[cell.state]}@${from === null ? '' : `${from}–`}${r.epoch}`;
}

/**
 * A cell whose seeds ended at different epochs, in words: a cell with a value whose other seeds were pruned (its
 * value is the mean of the seeds that finished), or a pruned cell whose seeds stopped at different rungs; else null.
 */
export function endedApart(cell: GridCellSummary, hasValue: boolean): string | null {
  if (hasValue && cell.pruned > 0) {
    const at = cell.prunedEpoch === null ? '' : ` by epoch ${cell.prunedEpoch}`;
    return `${cell.pruned} of ${cell.succeeded + cell.pruned} seeds pruned${at}: the mean of the ${cell.succeeded} that finished`;
  }
  const from = prunedFrom(cell);
  return from === null
    ? null
    : `its seeds were pruned at different epochs, ${from} to ${cell.prunedEpoch}`;
}

/**
 * A cell without a value in words: a paused cell says where it waits and what happens next, a pruned one where it
 * stopped; any other its state.
 */
export function stateWords(
  cell: GridCellSummary,
  metric: string,
  n: MetricNotation = DEFAULT_NOTATION,
): string {
  const r = rungOf(cell);
  if (!r) return cell.state;
  const at = r.epoch === null ? '' : ` at epoch ${r.epoch}`;
  const value = r.value === null ? '' : ` (${metric} ${fmtMetric(r.value, n)})`;
  return cell.state === 'paused'
    ? `paused${at}${value}, waiting for its rung: it resumes if it ranks high enough among its checkpoint's trials there, or is pruned once they have all reported`
    : `pruned${at}${value}`;
}

/** A cell's trials by state: `4 trials: 3 succeeded, 1 failed, 1 diverged`. */
export function trialCountsText(cell: GridCellSummary): string {
  const parts = COUNTED.filter((k) => cell[k] > 0).map((k) => `${cell[k]} ${k}`);
  if (cell.diverged > 0) parts.push(`${cell.diverged} diverged`);
  return `${cell.total} trial${cell.total === 1 ? '' : 's'}${parts.length ? `: ${parts.join(', ')}` : ''}`;
}

/** The text of a cell: `0.4321 ± 0.0123 (3 seeds)` with a value, its mark without one. */
export function cellText(
  result: ShownResult | null,
  cell: GridCellSummary,
  n: MetricNotation = DEFAULT_NOTATION,
): string {
  return result
    ? `${fmtMetric(result.mean, n)}${result.n > 1 ? ` ± ${spread(result.std, n)} (${result.n} seeds)` : ''}`
    : markOf(cell);
}

/**
 * The whole cell in words, bidirectional controls written out (it goes into attributes): its setting, its value or
 * its state, whether it is its checkpoint's best, its trials by state and a failure's reason.
 */
export function cellDescription(d: {
  checkpoint: string;
  optimizer: string;
  lr: number;
  weightDecay: number;
  metric: string;
  result: ShownResult | null;
  cell: GridCellSummary;
  best: boolean;
  notation?: MetricNotation;
}): string {
  const { cell } = d;
  const n = d.notation ?? DEFAULT_NOTATION;
  const shown = d.result
    ? `${d.metric} ${cellText(d.result, cell, n)}`
    : stateWords(cell, d.metric, n);
  const apart = endedApart(cell, d.result !== null);
  return escapeBidi(
    `${d.checkpoint} · ${d.optimizer} · lr ${param(d.lr)} · wd ${param(d.weightDecay)}: ${shown}${
      d.best ? ' (best of this checkpoint)' : ''
    }${apart ? `; ${apart}` : ''}. ${trialCountsText(cell)}${cell.reason ? `. Reason: ${cell.reason}` : ''}`,
  );
}
