/**
 * IoU of every detection with every ground-truth box of a group, as pycocotools' `bbIou` (maskApi.c) computes it:
 * the same operations in the same order, so results are identical to the last bit. For a crowd region the union
 * is the detection's own area. `out[d * gtCount + g]` for detection `dtIndex[d]` and ground truth `gtIndex[g]`.
 */
export function computeIous(
  dtBox: Float64Array,
  dtIndex: Int32Array,
  dtCount: number,
  gtBox: Float64Array,
  gtCrowd: Uint8Array,
  gtIndex: Int32Array,
  gtFrom: number,
  gtCount: number,
  out: Float64Array,
): void {
  for (let g = 0; g < gtCount; g++) {
    const gi = gtIndex[gtFrom + g]!;
    const gx = gtBox[4 * gi]!,
      gy = gtBox[4 * gi + 1]!,
      gw = gtBox[4 * gi + 2]!,
      gh = gtBox[4 * gi + 3]!;
    const ga = gw * gh;
    const crowd = gtCrowd[gi] === 1;
    for (let d = 0; d < dtCount; d++) {
      const di = dtIndex[d]!;
      const dx = dtBox[4 * di]!,
        dy = dtBox[4 * di + 1]!,
        dw = dtBox[4 * di + 2]!,
        dh = dtBox[4 * di + 3]!;
      const da = dw * dh;
      let value = 0;
      const w = Math.min(dw + dx, gw + gx) - Math.max(dx, gx);
      if (w > 0) {
        const h = Math.min(dh + dy, gh + gy) - Math.max(dy, gy);
        if (h > 0) {
          const inter = w * h;
          value = inter / (crowd ? da : da + ga - inter);
        }
      }
      out[d * gtCount + g] = value;
    }
  }
}
