/**
 * Whether a heatmap row would show the same thing as before. The page reads its grid anew on every live update,
 * so every object in it is new even where nothing changed: a row compares what it shows instead (its cells'
 * results and trials by state, the scale, its weight decays) and skips drawing when all is the same.
 */
import type { ShownResult } from './cell-words.ts';
import type { HeatmapRowProps } from './heatmap-row.tsx';

/** Two flat records (numbers, strings, booleans, nulls) with the same fields and values. */
export function sameFields(a: object | null, b: object | null): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const keys = Object.keys(x);
  return keys.length === Object.keys(y).length && keys.every((k) => x[k] === y[k]);
}

/** The same shown result: mean, sd and seeds (a result also holds its params, a new object on every read). */
export function sameResult(a: ShownResult | null, b: ShownResult | null): boolean {
  if (a === b) return true;
  return !!a && !!b && a.mean === b.mean && a.std === b.std && a.n === b.n;
}

/** Two arrays of equal length whose items are pairwise the same by `same`. */
export function sameEach<T>(a: readonly T[], b: readonly T[], same: (x: T, y: T) => boolean) {
  return a === b || (a.length === b.length && a.every((x, k) => same(x, b[k]!)));
}

/** The props compared by what they hold (the grid's arrays and objects); every other prop is compared as itself. */
const BY_CONTENT: {
  [K in keyof HeatmapRowProps]?: (a: HeatmapRowProps[K], b: HeatmapRowProps[K]) => boolean;
} = {
  scale: sameFields,
  notation: sameFields,
  weightDecays: (a, b) => sameEach(a, b, (x, y) => x === y),
  results: (a, b) => sameEach(a, b, sameResult),
  cells: (a, b) => sameEach(a, b, sameFields),
};

export function sameRowProps(a: HeatmapRowProps, b: HeatmapRowProps): boolean {
  for (const k of Object.keys(a) as Array<keyof HeatmapRowProps>) {
    const same = BY_CONTENT[k] as ((x: unknown, y: unknown) => boolean) | undefined;
    if (same ? !same(a[k], b[k]) : a[k] !== b[k]) return false;
  }
  return true;
}
