/**
 * Greedy non-maximum suppression as mmcv's / torchvision's `nms` (IoU without +1, a box is dropped when its IoU
 * with a kept, higher-scoring box is strictly greater than the threshold) and `batched_nms` (boxes of different
 * groups never suppress each other; the result is sorted by score). Plain typed-array code, outside any gradient.
 */

/** Indices sorted by descending score; ties keep index order. */
export function argsortDescending(
  scores: ArrayLike<number>,
  indices?: ArrayLike<number>,
): number[] {
  const order = indices ? Array.from(indices) : Array.from({ length: scores.length }, (_, i) => i);
  return order.sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b);
}

/**
 * Kept indices of `boxes` (`n x 4`), highest score first.
 * @param candidates restrict to these indices (default all)
 * @param maxKeep stop after this many kept boxes (default all)
 */
export function nms(
  boxes: Float32Array,
  scores: ArrayLike<number>,
  iouThreshold: number,
  candidates?: ArrayLike<number>,
  maxKeep = Infinity,
): number[] {
  const order = argsortDescending(scores, candidates);
  const n = order.length;
  // The candidates' corners and areas in score order, so the O(n^2) scan reads contiguous memory.
  const x1 = new Float64Array(n),
    y1 = new Float64Array(n),
    x2 = new Float64Array(n),
    y2 = new Float64Array(n);
  const area = new Float64Array(n);
  for (let a = 0; a < n; a++) {
    const i = 4 * (order[a] as number);
    x1[a] = boxes[i] as number;
    y1[a] = boxes[i + 1] as number;
    x2[a] = boxes[i + 2] as number;
    y2[a] = boxes[i + 3] as number;
    area[a] = Math.max(x2[a]! - x1[a]!, 0) * Math.max(y2[a]! - y1[a]!, 0);
  }
  const suppressed = new Uint8Array(n);
  const keep: number[] = [];
  for (let a = 0; a < n && keep.length < maxKeep; a++) {
    if (suppressed[a]) continue;
    keep.push(order[a] as number);
    const ax1 = x1[a]!,
      ay1 = y1[a]!,
      ax2 = x2[a]!,
      ay2 = y2[a]!,
      aArea = area[a]!;
    for (let b = a + 1; b < n; b++) {
      if (suppressed[b]) continue;
      const w = Math.min(ax2, x2[b]!) - Math.max(ax1, x1[b]!);
      if (w <= 0) continue;
      const h = Math.min(ay2, y2[b]!) - Math.max(ay1, y1[b]!);
      if (h <= 0) continue;
      const inter = w * h;
      if (inter / Math.max(aArea + area[b]! - inter, 1e-6) > iouThreshold) suppressed[b] = 1; // iouOf's arithmetic
    }
  }
  return keep;
}

/**
 * NMS within each group (`groups[i]`: level or class of box i), the survivors of all groups merged by
 * descending score and cut to `maxKeep`.
 */
export function batchedNms(
  boxes: Float32Array,
  scores: ArrayLike<number>,
  groups: ArrayLike<number>,
  iouThreshold: number,
  maxKeep = Infinity,
): number[] {
  const byGroup = new Map<number, number[]>();
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i] as number;
    const list = byGroup.get(g);
    if (list) list.push(i);
    else byGroup.set(g, [i]);
  }
  const kept: number[] = [];
  for (const members of byGroup.values())
    kept.push(...nms(boxes, scores, iouThreshold, members, maxKeep));
  return argsortDescending(scores, kept).slice(0, maxKeep);
}
