/**
 * The heatmaps' colour scales: cividis (designed to read the same with colour-vision deficiencies), better values
 * brighter whatever the goal; by default one scale per checkpoint (its own best cell is always its brightest), or
 * one shared by every checkpoint.
 */
import type { Grid } from '@sweeps/api-client';
import { interpolateCividis } from 'd3-scale-chromatic';

export interface Scale {
  min: number;
  max: number;
  goal: 'maximize' | 'minimize';
}

export function scaleOf(values: number[], goal: Scale['goal']): Scale | null {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return null;
  return { min: Math.min(...finite), max: Math.max(...finite), goal };
}

/** 0 = worst, 1 = best; a value outside the domain (a rung value below every finished one) sits at its end. */
export function position(s: Scale, v: number): number {
  const t = s.max === s.min ? 1 : (v - s.min) / (s.max - s.min);
  const p = s.goal === 'maximize' ? t : 1 - t;
  return Math.min(1, Math.max(0, p));
}

export function colorOf(s: Scale, v: number): { bg: string; fg: string } {
  const t = position(s, v);
  // cividis runs dark blue → yellow: dark text on the bright half.
  return { bg: interpolateCividis(t), fg: t > 0.55 ? '#111' : '#fff' };
}

export function gradient(): string {
  const stops = Array.from({ length: 11 }, (_, i) => interpolateCividis(i / 10));
  return `linear-gradient(to right, ${stops.join(', ')})`;
}

/** The one scale of a grid: every shown mean of every matrix. */
export function gridScale(grid: Grid): Scale | null {
  return scaleOf(
    grid.matrices.flatMap((m) => m.values.flat().flatMap((v) => (v ? [v.mean] : []))),
    grid.goal,
  );
}

/** Per checkpoint (each on its own scale) or one for all (`shared`). */
export type ScaleMode = 'checkpoint' | 'shared';

type Matrix = Grid['matrices'][number];
const meansOf = (ms: Matrix[]) =>
  ms.flatMap((m) => m.values.flat().flatMap((v) => (v ? [v.mean] : [])));
const rungValuesOf = (ms: Matrix[]) =>
  ms.flatMap((m) =>
    m.gridCells.flat().flatMap((c) => {
      const v = c.state === 'pruned' ? c.prunedValue : c.state === 'paused' ? c.pausedValue : null;
      return v === null || v === undefined ? [] : [v];
    }),
  );

/**
 * The scale of each checkpoint, keyed by its name: from its cells' means, or, while none has finished, from the
 * values its pruned and paused cells stopped at (so they are coloured too). In `shared` mode every checkpoint
 * maps to the same scale, made the same way from all matrices.
 */
export function checkpointScales(grid: Grid, mode: ScaleMode): Map<string, Scale | null> {
  const scaleOfMatrices = (ms: Matrix[]) => {
    const means = meansOf(ms);
    return scaleOf(means.length ? means : rungValuesOf(ms), grid.goal);
  };
  const out = new Map<string, Scale | null>();
  if (mode === 'shared') {
    const one = scaleOfMatrices(grid.matrices);
    for (const m of grid.matrices) out.set(m.checkpoint, one);
    return out;
  }
  const byCheckpoint = new Map<string, Matrix[]>();
  for (const m of grid.matrices)
    byCheckpoint.set(m.checkpoint, [...(byCheckpoint.get(m.checkpoint) ?? []), m]);
  for (const [c, ms] of byCheckpoint) out.set(c, scaleOfMatrices(ms));
  return out;
}
