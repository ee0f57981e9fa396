/**
 * Box arithmetic on flat typed arrays (`k x 4`, `[x1, y1, x2, y2]`), MMDetection v2 conventions: widths are
 * `x2 - x1` (no +1) and IoU divides by max(union, 1e-6).
 */

/** Number of boxes in a flat `k x 4` array. */
export function boxCount(boxes: Float32Array): number {
  return boxes.length >> 2;
}

/** Area of box `i`, clamped at 0. */
export function boxArea(boxes: Float32Array, i: number): number {
  const w = (boxes[4 * i + 2] as number) - (boxes[4 * i] as number);
  const h = (boxes[4 * i + 3] as number) - (boxes[4 * i + 1] as number);
  return Math.max(w, 0) * Math.max(h, 0);
}

/** IoU of box `i` of `a` with box `j` of `b` (mmdet's `bbox_overlaps`, mode 'iou'). */
export function iouOf(a: Float32Array, i: number, b: Float32Array, j: number): number {
  const w =
    Math.min(a[4 * i + 2] as number, b[4 * j + 2] as number) -
    Math.max(a[4 * i] as number, b[4 * j] as number);
  if (w <= 0) return 0;
  const h =
    Math.min(a[4 * i + 3] as number, b[4 * j + 3] as number) -
    Math.max(a[4 * i + 1] as number, b[4 * j + 1] as number);
  if (h <= 0) return 0;
  const inter = w * h;
  return inter / Math.max(boxArea(a, i) + boxArea(b, j) - inter, 1e-6);
}

/** The `na x nb` IoU matrix (row-major) of two box sets. */
export function bboxOverlaps(a: Float32Array, b: Float32Array): Float32Array {
  const na = boxCount(a);
  const nb = boxCount(b);
  const out = new Float32Array(na * nb);
  for (let i = 0; i < na; i++) for (let j = 0; j < nb; j++) out[i * nb + j] = iouOf(a, i, b, j);
  return out;
}

/** The boxes at `indices`, as a new flat array. */
export function selectBoxes(boxes: Float32Array, indices: ArrayLike<number>): Float32Array {
  const out = new Float32Array(indices.length * 4);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k] as number;
    out.set(boxes.subarray(4 * i, 4 * i + 4), 4 * k);
  }
  return out;
}

/** Concatenates flat box arrays. */
export function concatBoxes(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
