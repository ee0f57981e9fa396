/**
 * One colour scale for every heatmap of a sweep: cividis (designed to read the same with colour-vision
 * deficiencies), better values brighter whatever the goal, the domain shared by all matrices.
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

/** 0 = worst, 1 = best. */
export function position(s: Scale, v: number): number {
  const t = s.max === s.min ? 1 : (v - s.min) / (s.max - s.min);
  return s.goal === 'maximize' ? t : 1 - t;
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
