import { formatFixed, numpyMean } from './numpy-compat.ts';
import type { CocoStats, EvaluationParams } from './types.ts';

/** One of pycocotools' 12 summary numbers (`_summarizeDets`). */
export interface StatSpec {
  /** Average precision (true) or average recall (false). */
  ap: boolean;
  /** One IoU threshold, or all of them. */
  iouThr?: number;
  areaLabel: string;
  /** Looked up in params.maxDets by value; a value not there gives -1. */
  maxDets: (p: EvaluationParams) => number | undefined;
}

const all = (
  ap: boolean,
  maxDets: StatSpec['maxDets'],
  areaLabel = 'all',
  iouThr?: number,
): StatSpec => ({ ap, maxDets, areaLabel, ...(iouThr === undefined ? {} : { iouThr }) });
const third = (p: EvaluationParams) => p.maxDets[2];

/** pycocotools' order: AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl. */
export const STAT_SPECS: readonly StatSpec[] = [
  all(true, () => 100), // pycocotools' default argument, not maxDets[2]
  all(true, third, 'all', 0.5),
  all(true, third, 'all', 0.75),
  all(true, third, 'small'),
  all(true, third, 'medium'),
  all(true, third, 'large'),
  all(false, (p) => p.maxDets[0]),
  all(false, (p) => p.maxDets[1]),
  all(false, third),
  all(false, third, 'small'),
  all(false, third, 'medium'),
  all(false, third, 'large'),
];

/** Short names of the 12 numbers, in order. */
export const STAT_NAMES = [
  'AP',
  'AP50',
  'AP75',
  'APs',
  'APm',
  'APl',
  'AR1',
  'AR10',
  'AR100',
  'ARs',
  'ARm',
  'ARl',
] as const;

/** The flat arrays the numbers are read from. */
export interface SummaryInput {
  precision: Float64Array;
  recall: Float64Array;
  params: EvaluationParams;
}

function indicesWhere<T>(list: readonly T[], pred: (v: T) => boolean): number[] {
  return list.flatMap((v, i) => (pred(v) ? [i] : []));
}

/** `s[:, :, :, aind, mind]` pairs the two index lists as numpy broadcasting does. */
function areaMaxDetPairs(aind: number[], mind: number[]): [number, number][] {
  if (aind.length === 0 || mind.length === 0) return [];
  if (aind.length === mind.length) return aind.map((a, i) => [a, mind[i]!]);
  if (aind.length === 1) return mind.map((m) => [aind[0]!, m]);
  if (mind.length === 1) return aind.map((a) => [a, mind[0]!]);
  throw new RangeError(
    'area labels and maxDets select index lists that cannot be broadcast together',
  );
}

let buffer = new Float64Array(1024);

/**
 * One summary number, optionally for one category only: the mean of the selected entries that are > -1, or -1
 * when there are none; selection and summation order follow numpy (C order, pairwise sum).
 */
export function computeStat(input: SummaryInput, spec: StatSpec, category?: number): number {
  const p = input.params;
  const _T = p.iouThresholds.length,
    R = p.recallThresholds.length,
    K = p.categoryIds.length;
  const A = p.areaRanges.length,
    M = p.maxDets.length;
  const maxDets = spec.maxDets(p);
  const tind =
    spec.iouThr === undefined
      ? indicesWhere(p.iouThresholds, () => true)
      : indicesWhere(p.iouThresholds, (t) => t === spec.iouThr);
  const pairs = areaMaxDetPairs(
    indicesWhere(p.areaRanges, (r) => r.label === spec.areaLabel),
    indicesWhere(p.maxDets, (m) => m === maxDets),
  );
  const kind = category === undefined ? indicesWhere(p.categoryIds, () => true) : [category];
  const rows = spec.ap ? R : 1;
  const needed = tind.length * rows * kind.length * pairs.length;
  if (buffer.length < needed) buffer = new Float64Array(needed);
  let n = 0;
  for (const t of tind)
    for (let r = 0; r < rows; r++)
      for (const k of kind)
        for (const [a, m] of pairs) {
          const v = spec.ap
            ? input.precision[(((t * R + r) * K + k) * A + a) * M + m]!
            : input.recall[((t * K + k) * A + a) * M + m]!;
          if (v > -1) buffer[n++] = v;
        }
  return n === 0 ? -1 : numpyMean(buffer, n);
}

/** The 12 numbers of pycocotools' `stats`, for all categories or one. */
export function computeStats(input: SummaryInput, category?: number): CocoStats {
  return STAT_SPECS.map((spec) => computeStat(input, spec, category)) as CocoStats;
}

/** One printed line of pycocotools' `summarize()`. */
export function formatStatLine(spec: StatSpec, params: EvaluationParams, value: number): string {
  const title = spec.ap ? 'Average Precision' : 'Average Recall';
  const type = spec.ap ? '(AP)' : '(AR)';
  const thr = params.iouThresholds;
  const iou =
    spec.iouThr === undefined
      ? `${formatFixed(thr[0]!, 2)}:${formatFixed(thr[thr.length - 1]!, 2)}`
      : formatFixed(spec.iouThr, 2);
  const maxDets = String(spec.maxDets(params)).padStart(3);
  return ` ${title.padEnd(18)} ${type} @[ IoU=${iou.padEnd(9)} | area=${spec.areaLabel.padStart(6)} | maxDets=${maxDets} ] = ${formatFixed(value, 3)}`;
}

/** pycocotools' 12 printed summary lines for an evaluation result. */
export function summarize(result: { stats: CocoStats; params: EvaluationParams }): string[] {
  return STAT_SPECS.map((spec, i) => formatStatLine(spec, result.params, result.stats[i]!));
}
