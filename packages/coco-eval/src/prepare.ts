import { CocoInputError } from './errors.ts';
import { checkDetectionAt, parseAnnotationAt } from './parse.ts';
import type { CocoDetection, CocoGroundTruth, SkippedCounts } from './types.ts';

/**
 * Ground truth and detections flattened into typed arrays and grouped the way pycocotools' `evaluateImg` sees
 * them. Group `g = c * imageCount + i` holds image `i` (index into the sorted image ids) of evaluation category
 * `c` (with `useCats` false there is one evaluation category and a group is an image). Inside a group, entries
 * keep pycocotools' order: file order (categories in ascending id order first when `useCats` is false).
 */
export interface Prepared {
  imageIds: number[];
  categoryIds: number[];
  categoryNames: string[];
  imageCount: number;
  /** Evaluation categories: the categories, or 1 when `useCats` is false. */
  evalCategoryCount: number;
  /** Group g's ground truth is `gtOrder[gtStart[g] .. gtStart[g + 1])`, indices into the gt arrays. */
  gtStart: Int32Array;
  gtOrder: Int32Array;
  dtStart: Int32Array;
  dtOrder: Int32Array;
  /** x, y, w, h per ground-truth annotation (4 numbers each). */
  gtBox: Float64Array;
  gtArea: Float64Array;
  gtCrowd: Uint8Array;
  gtId: Float64Array;
  dtBox: Float64Array;
  dtScore: Float64Array;
  skipped: SkippedCounts;
}

function indexOf(ids: number[]): Map<number, number> {
  const map = new Map<number, number>();
  ids.forEach((id, i) => {
    map.set(id, i);
  });
  return map;
}

function sortedUnique(ids: number[]): number[] {
  return [...new Set(ids)].sort((a, b) => a - b);
}

/** Stable counting sort of entries by key (-1: left out); returns [start offsets by key, entry order]. */
function countingSort(keys: Int32Array, keyCount: number): [Int32Array, Int32Array] {
  const start = new Int32Array(keyCount + 1);
  let kept = 0;
  for (const key of keys)
    if (key >= 0) {
      start[key + 1]!++;
      kept++;
    }
  for (let k = 0; k < keyCount; k++) start[k + 1]! += start[k]!;
  const next = start.slice(0, keyCount);
  const order = new Int32Array(kept);
  keys.forEach((key, i) => {
    if (key >= 0) order[next[key]!++] = i;
  });
  return [start, order];
}

/** Keys in order (category major, image minor; image major, category minor without useCats). */
function orderKey(
  imageIndex: number,
  catIndex: number,
  imageCount: number,
  catCount: number,
  useCats: boolean,
): number {
  return useCats ? catIndex * imageCount + imageIndex : imageIndex * catCount + catIndex;
}

/** Group starts from key starts: without useCats, a group (an image) spans `catCount` consecutive keys. */
function groupStarts(keyStart: Int32Array, groupCount: number, keysPerGroup: number): Int32Array {
  const out = new Int32Array(groupCount + 1);
  for (let g = 0; g <= groupCount; g++) out[g] = keyStart[g * keysPerGroup]!;
  return out;
}

interface Lookup {
  images: Map<number, number>;
  cats: Map<number, number>;
  imageCount: number;
  catCount: number;
  useCats: boolean;
}

function prepareGt(gt: CocoGroundTruth, lookup: Lookup, skipped: SkippedCounts) {
  const n = gt.annotations.length;
  const keys = new Int32Array(n);
  const box = new Float64Array(4 * n);
  const area = new Float64Array(n);
  const crowd = new Uint8Array(n);
  const id = new Float64Array(n);
  gt.annotations.forEach((ann, i) => {
    const [x, y, w, h] = ann.bbox;
    // Typed input can still carry NaN or an empty box (a diverged model): the full check names the entry.
    if (!(w > 0 && h > 0 && Number.isFinite(x + y + w + h + ann.area)))
      parseAnnotationAt(gt.annotations, i);
    const img = lookup.images.get(ann.image_id);
    const cat = lookup.cats.get(ann.category_id);
    if (img === undefined) skipped.gtUnknownImage++;
    else if (cat === undefined) skipped.gtUnknownCategory++;
    keys[i] =
      img === undefined || cat === undefined
        ? -1
        : orderKey(img, cat, lookup.imageCount, lookup.catCount, lookup.useCats);
    box.set(ann.bbox, 4 * i);
    area[i] = ann.area;
    crowd[i] = ann.iscrowd ? 1 : 0;
    id[i] = ann.id;
  });
  return { keys, box, area, crowd, id };
}

function prepareDt(dts: CocoDetection[], lookup: Lookup, skipped: SkippedCounts) {
  const n = dts.length;
  const keys = new Int32Array(n);
  const box = new Float64Array(4 * n);
  const score = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const dt = dts[i]!;
    const img = lookup.images.get(dt.image_id);
    if (img === undefined) {
      const where = `detections[${i}] (image_id ${dt.image_id})`;
      throw new CocoInputError(
        `${where}: image_id ${dt.image_id} is not an image of the ground truth`,
        `detections[${i}].image_id`,
      );
    }
    const b = dt.bbox;
    if (!(b[2] > 0 && b[3] > 0 && Number.isFinite(b[0] + b[1] + b[2] + b[3] + dt.score)))
      checkDetectionAt(dts, i);
    const cat = lookup.cats.get(dt.category_id);
    if (cat === undefined) skipped.dtUnknownCategory++;
    keys[i] =
      cat === undefined
        ? -1
        : orderKey(img, cat, lookup.imageCount, lookup.catCount, lookup.useCats);
    box[4 * i] = b[0];
    box[4 * i + 1] = b[1];
    box[4 * i + 2] = b[2];
    box[4 * i + 3] = b[3];
    score[i] = dt.score;
  }
  return { keys, box, score };
}

/** Indexes ground truth and detections into per-(category, image) groups, as pycocotools' `_prepare` does. */
export function prepare(gt: CocoGroundTruth, dts: CocoDetection[], useCats: boolean): Prepared {
  const imageIds = sortedUnique(gt.images.map((image) => image.id));
  const names = new Map(gt.categories.map((cat) => [cat.id, cat.name]));
  const categoryIds = sortedUnique([...names.keys()]);
  const lookup: Lookup = {
    images: indexOf(imageIds),
    cats: indexOf(categoryIds),
    imageCount: imageIds.length,
    catCount: categoryIds.length,
    useCats,
  };
  const skipped: SkippedCounts = { gtUnknownImage: 0, gtUnknownCategory: 0, dtUnknownCategory: 0 };
  const g = prepareGt(gt, lookup, skipped);
  const d = prepareDt(dts, lookup, skipped);
  const keyCount = lookup.imageCount * lookup.catCount;
  const [gtKeyStart, gtOrder] = countingSort(g.keys, keyCount);
  const [dtKeyStart, dtOrder] = countingSort(d.keys, keyCount);
  const evalCategoryCount = useCats ? lookup.catCount : 1;
  const groupCount = evalCategoryCount * lookup.imageCount;
  const keysPerGroup = useCats ? 1 : lookup.catCount;
  return {
    imageIds,
    categoryIds,
    categoryNames: categoryIds.map((id) => names.get(id)!),
    imageCount: lookup.imageCount,
    evalCategoryCount,
    gtStart: groupStarts(gtKeyStart, groupCount, keysPerGroup),
    gtOrder,
    dtStart: groupStarts(dtKeyStart, groupCount, keysPerGroup),
    dtOrder,
    gtBox: g.box,
    gtArea: g.area,
    gtCrowd: g.crowd,
    gtId: g.id,
    dtBox: d.box,
    dtScore: d.score,
    skipped,
  };
}
