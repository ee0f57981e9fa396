/**
 * MMDetection's `MaxIoUAssigner` (`gt_max_assign_all=True`, no ignored boxes) and `AssignResult.add_gt_`, on
 * typed arrays. `gtIndex[i]`: -1 ignored, 0 negative, k > 0 assigned to gt k - 1.
 */
import { bboxOverlaps, boxCount } from './boxes.ts';

/** Assigner thresholds. RPN: 0.7 / 0.3 / 0.3 with low-quality matches; R-CNN: 0.5 / 0.5 / 0.5 without. */
export interface AssignerConfig {
  posIouThr: number;
  /** Boxes whose best IoU is in [0, negIouThr) become negatives. */
  negIouThr: number;
  /** A gt's best box(es) are assigned to it (when `matchLowQuality`) if that IoU reaches this. */
  minPosIou: number;
  matchLowQuality: boolean;
}

/** Per box: the assigned gt (1-based, 0 negative, -1 ignored), its IoU, and the gt's label (-1 when none). */
export interface AssignResult {
  numGts: number;
  gtIndex: Int32Array;
  maxOverlaps: Float32Array;
  labels: Int32Array;
}

/** Assigns `boxes` (`n x 4`) to `gts` (`k x 4`, labels `gtLabels`). */
export function assignMaxIou(
  boxes: Float32Array,
  gts: Float32Array,
  gtLabels: Int32Array,
  config: AssignerConfig,
): AssignResult {
  const n = boxCount(boxes);
  const k = boxCount(gts);
  const gtIndex = new Int32Array(n).fill(k === 0 ? 0 : -1);
  const maxOverlaps = new Float32Array(n);
  const labels = new Int32Array(n).fill(-1);
  if (k === 0 || n === 0) return { numGts: k, gtIndex, maxOverlaps, labels };
  const overlaps = bboxOverlaps(gts, boxes); // k x n
  const argmax = new Int32Array(n);
  const gtMax = new Float32Array(k).fill(-1);
  for (let g = 0; g < k; g++) {
    for (let i = 0; i < n; i++) {
      const v = overlaps[g * n + i] as number;
      if (g === 0 || v > (maxOverlaps[i] as number)) [maxOverlaps[i], argmax[i]] = [v, g];
      if (v > (gtMax[g] as number)) gtMax[g] = v;
    }
  }
  for (let i = 0; i < n; i++) {
    const v = maxOverlaps[i] as number;
    if (v >= 0 && v < config.negIouThr) gtIndex[i] = 0;
    if (v >= config.posIouThr) gtIndex[i] = (argmax[i] as number) + 1;
  }
  if (config.matchLowQuality) {
    for (let g = 0; g < k; g++) {
      if ((gtMax[g] as number) < config.minPosIou) continue;
      for (let i = 0; i < n; i++) if (overlaps[g * n + i] === gtMax[g]) gtIndex[i] = g + 1;
    }
  }
  for (let i = 0; i < n; i++)
    if ((gtIndex[i] as number) > 0) labels[i] = gtLabels[(gtIndex[i] as number) - 1] as number;
  return { numGts: k, gtIndex, maxOverlaps, labels };
}

/** `AssignResult.add_gt_`: the gts themselves, prepended as positives of themselves (IoU 1). */
export function addGtsToAssignment(result: AssignResult, gtLabels: Int32Array): AssignResult {
  const k = gtLabels.length;
  const n = result.gtIndex.length;
  const gtIndex = new Int32Array(k + n);
  const maxOverlaps = new Float32Array(k + n);
  const labels = new Int32Array(k + n);
  for (let g = 0; g < k; g++)
    [gtIndex[g], maxOverlaps[g], labels[g]] = [g + 1, 1, gtLabels[g] as number];
  gtIndex.set(result.gtIndex, k);
  maxOverlaps.set(result.maxOverlaps, k);
  labels.set(result.labels, k);
  return { numGts: result.numGts, gtIndex, maxOverlaps, labels };
}
