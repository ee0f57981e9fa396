import { accumulate, type Accumulated } from './accumulate.ts';
import { matchAll } from './match.ts';
import { resolveOptions } from './params.ts';
import { prepare, type Prepared } from './prepare.ts';
import { computeStats, type SummaryInput } from './summarize.ts';
import type {
  CategoryResult,
  CocoDetection,
  CocoGroundTruth,
  DenseArray,
  EvaluateOptions,
  EvaluationParams,
  EvaluationResult,
} from './types.ts';

/** Wraps a flat C-order array with its shape. */
export function denseArray(shape: number[], data: Float64Array): DenseArray {
  return {
    shape,
    data,
    at(...indices: number[]): number {
      if (indices.length !== shape.length)
        throw new RangeError(`expected ${shape.length} indices, got ${indices.length}`);
      let offset = 0;
      indices.forEach((index, dim) => {
        const size = shape[dim]!;
        if (!Number.isInteger(index) || index < 0 || index >= size)
          throw new RangeError(`index ${index} out of range for dimension ${dim} (size ${size})`);
        offset = offset * size + index;
      });
      return data[offset]!;
    },
  };
}

function countNonCrowd(pre: Prepared): Int32Array {
  const counts = new Int32Array(pre.evalCategoryCount);
  for (let c = 0; c < pre.evalCategoryCount; c++) {
    for (
      let j = pre.gtStart[c * pre.imageCount]!;
      j < pre.gtStart[(c + 1) * pre.imageCount]!;
      j++
    ) {
      if (pre.gtCrowd[pre.gtOrder[j]!] === 0) counts[c]!++;
    }
  }
  return counts;
}

function perCategory(pre: Prepared, acc: Accumulated, input: SummaryInput): CategoryResult[] {
  const gtCounts = countNonCrowd(pre);
  return input.params.categoryIds.map((categoryId, k) => {
    const stats = computeStats(input, k);
    const [
      ap,
      ap50,
      ap75,
      apSmall,
      apMedium,
      apLarge,
      ar1,
      ar10,
      ar100,
      arSmall,
      arMedium,
      arLarge,
    ] = stats;
    return {
      categoryId,
      name: input.params.useCats ? pre.categoryNames[k]! : 'all',
      gtCount: gtCounts[k]!,
      dtCount: acc.dtCount[k]!,
      ap,
      ap50,
      ap75,
      apSmall,
      apMedium,
      apLarge,
      ar1,
      ar10,
      ar100,
      arSmall,
      arMedium,
      arLarge,
      stats,
    };
  });
}

function buildResult(pre: Prepared, acc: Accumulated, params: EvaluationParams): EvaluationResult {
  const T = params.iouThresholds.length,
    R = params.recallThresholds.length,
    K = params.categoryIds.length;
  const A = params.areaRanges.length,
    M = params.maxDets.length;
  const input: SummaryInput = { precision: acc.precision, recall: acc.recall, params };
  return {
    stats: computeStats(input),
    perCategory: perCategory(pre, acc, input),
    precision: denseArray([T, R, K, A, M], acc.precision),
    recall: denseArray([T, K, A, M], acc.recall),
    scores: denseArray([T, R, K, A, M], acc.scores),
    params,
    skipped: pre.skipped,
  };
}

/**
 * COCO bbox evaluation with pycocotools' `COCOeval(gt, dt, 'bbox')` semantics: `evaluate()`, `accumulate()` and
 * the numbers of `summarize()`, identical to pycocotools'.
 * Detections of categories absent from the ground truth are skipped (as pycocotools does); detections on images
 * absent from it are an error.
 * @throws CocoInputError for a detection whose image is not in the ground truth.
 */
export function evaluate(
  gt: CocoGroundTruth,
  detections: CocoDetection[],
  options?: EvaluateOptions,
): EvaluationResult {
  const opts = resolveOptions(options);
  const pre = prepare(gt, detections, opts.useCats);
  const acc = accumulate(pre, matchAll(pre, opts), opts);
  const params: EvaluationParams = {
    imageIds: pre.imageIds,
    categoryIds: opts.useCats ? pre.categoryIds : [-1],
    iouThresholds: opts.iouThresholds,
    recallThresholds: opts.recallThresholds,
    maxDets: opts.maxDets,
    areaRanges: opts.areaRanges,
    useCats: opts.useCats,
  };
  return buildResult(pre, acc, params);
}
