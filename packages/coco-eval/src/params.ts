import type { AreaRange, EvaluateOptions } from './types.ts';

/** `np.linspace(start, stop, num)` bit for bit: `i * step + start`, with the last point set to `stop`. */
export function linspace(start: number, stop: number, num: number): number[] {
  const step = (stop - start) / (num - 1);
  const out = Array.from({ length: num }, (_, i) => i * step + start);
  if (num > 1) out[num - 1] = stop;
  return out;
}

/** pycocotools' default area ranges for bbox evaluation (the `area` field of annotations, inclusive bounds). */
export const DEFAULT_AREA_RANGES: readonly AreaRange[] = [
  { label: 'all', min: 0, max: 1e5 ** 2 },
  { label: 'small', min: 0, max: 32 ** 2 },
  { label: 'medium', min: 32 ** 2, max: 96 ** 2 },
  { label: 'large', min: 96 ** 2, max: 1e5 ** 2 },
];

/** Options after defaults, in the form the evaluation loops use. */
export interface ResolvedOptions {
  iouThresholds: number[];
  recallThresholds: number[];
  maxDets: number[];
  areaRanges: AreaRange[];
  useCats: boolean;
}

function checkList(name: string, list: readonly number[], ok: (v: number) => boolean): number[] {
  if (list.length === 0) throw new RangeError(`${name} must not be empty`);
  for (const v of list) if (!ok(v)) throw new RangeError(`${name}: invalid value ${v}`);
  return [...list];
}

/** Fills in pycocotools' defaults (`Params(iouType='bbox')`) and sorts maxDets as `evaluate()` does. */
export function resolveOptions(options: EvaluateOptions = {}): ResolvedOptions {
  const inUnit = (v: number): boolean => Number.isFinite(v) && v >= 0 && v <= 1;
  const maxDets = checkList(
    'maxDets',
    options.maxDets ?? [1, 10, 100],
    (v) => Number.isInteger(v) && v > 0,
  );
  const areaRanges = (options.areaRanges ?? DEFAULT_AREA_RANGES).map((r) => ({ ...r }));
  if (areaRanges.length === 0) throw new RangeError('areaRanges must not be empty');
  return {
    iouThresholds: checkList(
      'iouThresholds',
      options.iouThresholds ?? linspace(0.5, 0.95, 10),
      inUnit,
    ),
    recallThresholds: checkList(
      'recallThresholds',
      options.recallThresholds ?? linspace(0, 1, 101),
      inUnit,
    ),
    maxDets: maxDets.sort((a, b) => a - b),
    areaRanges,
    useCats: options.useCats ?? true,
  };
}
