/**
 * The COCO instances format (https://cocodataset.org/#format-data), the part detection uses: the one definition
 * for every package (the trainer writes and reads these files, evaluation reads them).
 */

/** One image entry; `file_name` is relative to the split's images directory. Evaluation reads only `id`. */
export interface CocoImage {
  id: number;
  file_name: string;
  width: number;
  height: number;
}

/** One category. Evaluation names it by its id as text when `name` is absent. */
export interface CocoCategory {
  id: number;
  name: string;
  supercategory?: string;
}

/**
 * One ground-truth annotation. `area` (not the box) decides the area range, as in pycocotools; `iscrowd` is the
 * format's integer flag, 0 or 1 (1: a crowd region, detections matched to it are ignored).
 */
export interface CocoAnnotation {
  id: number;
  image_id: number;
  category_id: number;
  /** [x, y, width, height] in pixels of the original image, width and height > 0. */
  bbox: [number, number, number, number];
  area: number;
  iscrowd: 0 | 1;
}

/** A whole `instances_<split>.json` file. */
export interface CocoFile {
  info?: Record<string, unknown>;
  licenses?: unknown[];
  images: CocoImage[];
  annotations: CocoAnnotation[];
  categories: CocoCategory[];
}

/** A ground-truth file as bbox evaluation reads it: of each image only its id. */
export interface CocoGroundTruth {
  images: Array<Pick<CocoImage, 'id'>>;
  annotations: CocoAnnotation[];
  categories: CocoCategory[];
}

/** One detection (COCO results format). Its area is `width * height` of the box, as pycocotools' loadRes sets it. */
export interface CocoDetection {
  image_id: number;
  category_id: number;
  /** [x, y, width, height], width and height > 0. */
  bbox: [number, number, number, number];
  score: number;
}

/** An object-area range; bounds are inclusive on both ends, as in pycocotools. */
export interface AreaRange {
  label: string;
  min: number;
  max: number;
}

/**
 * Evaluation parameters; every field defaults to pycocotools' `Params(iouType='bbox')`.
 * The 12 summary numbers are only meaningful with the defaults (they look thresholds, labels and maxDets up
 * the way pycocotools' `summarize()` does, and give -1 where a lookup finds nothing).
 */
export interface EvaluateOptions {
  /** IoU thresholds; default `np.linspace(.5, .95, 10)`. */
  iouThresholds?: readonly number[];
  /** Recall thresholds; default `np.linspace(0, 1, 101)`. */
  recallThresholds?: readonly number[];
  /** Maximum detections per image and category; default [1, 10, 100] (sorted before use). */
  maxDets?: readonly number[];
  /** Area ranges; default all [0, 1e10], small [0, 32²], medium [32², 96²], large [96², 1e10]. */
  areaRanges?: readonly AreaRange[];
  /** Match within categories (true, default) or ignore labels as in proposal scoring (false). */
  useCats?: boolean;
}

/** The parameters an evaluation ran with, after defaults and sorting. */
export interface EvaluationParams {
  imageIds: number[];
  /** Sorted category ids; `[-1]` when `useCats` is false. */
  categoryIds: number[];
  iouThresholds: number[];
  recallThresholds: number[];
  maxDets: number[];
  areaRanges: AreaRange[];
  useCats: boolean;
}

/** The 12 summary numbers in pycocotools' order; -1 where there is no ground truth. */
export type CocoStats = [
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
];

/** Per-category summary: the same 12 numbers restricted to one category (-1 where it has no ground truth). */
export interface CategoryResult {
  categoryId: number;
  name: string;
  /** Non-crowd ground-truth boxes of this category (area range `all`). */
  gtCount: number;
  /** Detections of this category kept for evaluation (at most the largest maxDets per image). */
  dtCount: number;
  ap: number;
  ap50: number;
  ap75: number;
  apSmall: number;
  apMedium: number;
  apLarge: number;
  ar1: number;
  ar10: number;
  ar100: number;
  arSmall: number;
  arMedium: number;
  arLarge: number;
  stats: CocoStats;
}

/**
 * A dense array in C order with its shape, like pycocotools' numpy arrays.
 * `at(...indices)` reads one element; -1 marks settings without ground truth.
 */
export interface DenseArray {
  shape: number[];
  data: Float64Array;
  at(...indices: number[]): number;
}

/** Entries that pycocotools silently leaves out of the evaluation, counted. */
export interface SkippedCounts {
  /** Ground-truth annotations whose image id is not in `images`. */
  gtUnknownImage: number;
  /** Ground-truth annotations whose category id is not in `categories`. */
  gtUnknownCategory: number;
  /** Detections whose category id is not in `categories`. */
  dtUnknownCategory: number;
}

/** What `evaluate` returns. */
export interface EvaluationResult {
  stats: CocoStats;
  perCategory: CategoryResult[];
  /** Precision [T][R][K][A][M] after the precision envelope, pycocotools' `eval['precision']`. */
  precision: DenseArray;
  /** Recall [T][K][A][M], pycocotools' `eval['recall']`. */
  recall: DenseArray;
  /** Score at each precision point [T][R][K][A][M], pycocotools' `eval['scores']`. */
  scores: DenseArray;
  params: EvaluationParams;
  skipped: SkippedCounts;
}
