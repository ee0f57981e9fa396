/**
 * Greedy non-maximum suppression as mmcv's / torchvision's `nms` (IoU without +1, a box is dropped when its IoU
 * with a kept, higher-scoring box is strictly greater than the threshold) and `batched_nms` (boxes of different
 * groups never suppress each other; the result is sorted by score). Plain typed-array code, outside any gradient.
 */
import { iouOf } from './boxes.ts';

/** Indices sorted by descending score; ties keep index order. */
export function argsortDescending(scores: ArrayLike<number>, indices?: ArrayLike<number>): number[] {
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
  const suppressed = new Uint8Array(order.length);
  const keep: number[] = [];
  for (let a = 0; a < order.length && keep.length < maxKeep; a++) {
    if (suppressed[a]) continue;
    const i = order[a] as number;
    keep.push(i);
    for (let b = a + 1; b < order.length; b++) {
      if (!suppressed[b] && iouOf(boxes, i, boxes, order[b] as number) > iouThreshold) suppressed[b] = 1;
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
  for (const members of byGroup.values()) kept.push(...nms(boxes, scores, iouThreshold, members, maxKeep));
  return argsortDescending(scores, kept).slice(0, maxKeep);
}
