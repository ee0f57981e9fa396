/**
 * Where a gain and its 95 % interval sit on the best table's shared axis: one axis for every row, symmetric about
 * zero, so rows compare at a glance and zero (no gain) is always in the middle.
 */
import type { BestTable } from '@sweeps/api-client';

/** Positions in percent of the axis' width (0 at the left end). */
export interface IntervalGeometry {
  zero: number;
  low: number | null;
  high: number | null;
  gain: number | null;
}

/** Half the axis' span: the largest |gain| or |interval end| of the table (1 when the table has none). */
export function axisExtent(rows: BestTable['rows']): number {
  let m = 0;
  for (const r of rows) {
    if (r.baseline) continue;
    for (const v of [r.gain, r.gain_ci95?.[0], r.gain_ci95?.[1]])
      if (typeof v === 'number' && Number.isFinite(v)) m = Math.max(m, Math.abs(v));
  }
  return m > 0 ? m : 1;
}

const at = (v: number, extent: number) => Math.min(100, Math.max(0, 50 + (v / extent) * 50));

export function intervalGeometry(
  gain: number | null,
  ci: readonly [number, number] | null,
  extent: number,
): IntervalGeometry {
  return {
    zero: 50,
    low: ci ? at(ci[0], extent) : null,
    high: ci ? at(ci[1], extent) : null,
    gain: gain === null || !Number.isFinite(gain) ? null : at(gain, extent),
  };
}

/** Why a non-baseline row has no interval, in words; null when it has one. */
export function noIntervalReason(
  row: BestTable['rows'][number],
  baselineN: number | null,
): string | null {
  if (row.gain_ci95) return null;
  if (!row.best) return 'no result yet';
  if (baselineN === null) return 'no baseline result';
  if (row.best.n < 2 || baselineN < 2) return 'one seed: no interval';
  return 'no interval';
}
