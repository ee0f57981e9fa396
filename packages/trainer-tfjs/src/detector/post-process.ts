/**
 * Test-time box post-processing (mmdet's `BBoxHead.get_bboxes` with `rescale=True` and `multiclass_nms`): softmax
 * scores, class-specific boxes decoded and clipped to the resized image, mapped back to the original image by
 * the scale factors, then per class the boxes scoring above `scoreThr`, NMS within each class, the best
 * `maxPerImg` overall. Output in COCO's `[x, y, w, h]`.
 */
import { decodeOne, RCNN_CODER } from './bbox-coder.ts';
import { batchedNms } from './nms.ts';

/** One detection in original-image pixels. */
export interface Detection {
  /** `[x, y, width, height]` (COCO), original image pixels. */
  bbox: [number, number, number, number];
  score: number;
  /** Class index, 0-based (the data layer's category index). */
  label: number;
}

/** What an image needs for post-processing. */
export interface ImageMeta {
  /** `[h, w]` of the resized image before padding (boxes are clipped to it). */
  imgShape: readonly [number, number];
  /** `[scaleX, scaleY]`: resized / original. */
  scaleFactor: readonly [number, number];
}

/** Test settings: mmdet's score_thr 0.05, nms 0.5, max_per_img 100. */
export interface MulticlassNmsConfig {
  scoreThr: number;
  nmsIou: number;
  maxPerImg: number;
}

/** Row-wise softmax of `r x c` logits. */
export function softmaxRows(logits: Float32Array, cols: number): Float32Array {
  const out = new Float32Array(logits.length);
  for (let o = 0; o < logits.length; o += cols) {
    let max = -Infinity;
    for (let j = 0; j < cols; j++) max = Math.max(max, logits[o + j] as number);
    let sum = 0;
    for (let j = 0; j < cols; j++) sum += out[o + j] = Math.exp((logits[o + j] as number) - max);
    for (let j = 0; j < cols; j++) out[o + j] = (out[o + j] as number) / sum;
  }
  return out;
}

/**
 * Detections of one image from its RoIs (`R x 4`), the box head's logits (`R x (K + 1)`) and deltas (`R x 4K`).
 */
export function detectionsOf(
  rois: Float32Array,
  logits: Float32Array,
  deltas: Float32Array,
  numClasses: number,
  meta: ImageMeta,
  config: MulticlassNmsConfig,
): Detection[] {
  const k = numClasses;
  const scores = softmaxRows(logits, k + 1);
  const boxes: number[] = [];
  const candScores: number[] = [];
  const candLabels: number[] = [];
  const one = new Float32Array(4);
  for (let r = 0; r < rois.length >> 2; r++) {
    for (let c = 0; c < k; c++) {
      const s = scores[r * (k + 1) + c] as number;
      if (!(s > config.scoreThr)) continue;
      decodeOne(rois, r, deltas, r * 4 * k + 4 * c, RCNN_CODER, one, 0, meta.imgShape);
      const [sx, sy] = meta.scaleFactor;
      boxes.push(
        (one[0] as number) / sx,
        (one[1] as number) / sy,
        (one[2] as number) / sx,
        (one[3] as number) / sy,
      );
      candScores.push(s);
      candLabels.push(c);
    }
  }
  const flat = Float32Array.from(boxes);
  const keep = batchedNms(flat, candScores, candLabels, config.nmsIou, config.maxPerImg);
  return keep.map((i) => {
    const [x1, y1, x2, y2] = [flat[4 * i]!, flat[4 * i + 1]!, flat[4 * i + 2]!, flat[4 * i + 3]!];
    return {
      bbox: [x1, y1, x2 - x1, y2 - y1],
      score: candScores[i] as number,
      label: candLabels[i] as number,
    };
  });
}
