/**
 * MMDetection v2's `DeltaXYWHBBoxCoder` on flat typed arrays: boxes `[x1, y1, x2, y2]`, deltas
 * `[dx, dy, dw, dh]` normalised by `(delta - means) / stds`; decoding clamps dw, dh to |log(whRatioClip)| and,
 * given a max shape, clips boxes to `[0, w] x [0, h]`.
 */

/** Coder settings. RPN: means 0, stds 1; the R-CNN box head: means 0, stds [0.1, 0.1, 0.2, 0.2]. */
export interface BBoxCoderConfig {
  means: readonly [number, number, number, number];
  stds: readonly [number, number, number, number];
  /** Default 16 / 1000 (mmdet). */
  whRatioClip?: number;
}

/** mmdet's RPN coder. */
export const RPN_CODER: BBoxCoderConfig = { means: [0, 0, 0, 0], stds: [1, 1, 1, 1] };
/** mmdet's Faster R-CNN box-head coder. */
export const RCNN_CODER: BBoxCoderConfig = { means: [0, 0, 0, 0], stds: [0.1, 0.1, 0.2, 0.2] };

/** Writes the deltas turning box `i` of `src` into box `j` of `dst` at `out[o..o+4]` (mmdet's `bbox2delta`). */
export function encodeOne(
  src: Float32Array,
  i: number,
  dst: Float32Array,
  j: number,
  config: BBoxCoderConfig,
  out: Float32Array,
  o: number,
): void {
  const [px1, py1, px2, py2] = [src[4 * i]!, src[4 * i + 1]!, src[4 * i + 2]!, src[4 * i + 3]!];
  const [gx1, gy1, gx2, gy2] = [dst[4 * j]!, dst[4 * j + 1]!, dst[4 * j + 2]!, dst[4 * j + 3]!];
  const pw = px2 - px1;
  const ph = py2 - py1;
  const gw = gx2 - gx1;
  const gh = gy2 - gy1;
  const d = [
    ((gx1 + gx2) * 0.5 - (px1 + px2) * 0.5) / pw,
    ((gy1 + gy2) * 0.5 - (py1 + py2) * 0.5) / ph,
    Math.log(gw / pw),
    Math.log(gh / ph),
  ];
  for (let k = 0; k < 4; k++) out[o + k] = ((d[k] as number) - config.means[k]!) / config.stds[k]!;
}

/** Deltas from `proposals[k]` to `gts[k]`, both `n x 4` (mmdet's `encode`). */
export function encodeBoxes(
  proposals: Float32Array,
  gts: Float32Array,
  config: BBoxCoderConfig,
): Float32Array {
  const out = new Float32Array(proposals.length);
  for (let k = 0; k < proposals.length >> 2; k++)
    encodeOne(proposals, k, gts, k, config, out, 4 * k);
  return out;
}

/** Applies the deltas at `deltas[d..d+4]` to box `i` of `rois`, writing the box at `out[o..o+4]` (mmdet's `delta2bbox`). */
export function decodeOne(
  rois: Float32Array,
  i: number,
  deltas: ArrayLike<number>,
  d: number,
  config: BBoxCoderConfig,
  out: Float32Array,
  o: number,
  maxShape?: readonly [number, number],
): void {
  const maxRatio = Math.abs(Math.log(config.whRatioClip ?? 16 / 1000));
  const den = (k: number) => (deltas[d + k] as number) * config.stds[k]! + config.means[k]!;
  const dw = Math.min(Math.max(den(2), -maxRatio), maxRatio);
  const dh = Math.min(Math.max(den(3), -maxRatio), maxRatio);
  const [x1, y1, x2, y2] = [rois[4 * i]!, rois[4 * i + 1]!, rois[4 * i + 2]!, rois[4 * i + 3]!];
  const pw = x2 - x1;
  const ph = y2 - y1;
  const gx = (x1 + x2) * 0.5 + pw * den(0);
  const gy = (y1 + y2) * 0.5 + ph * den(1);
  const gw = pw * Math.exp(dw);
  const gh = ph * Math.exp(dh);
  const box = [gx - gw * 0.5, gy - gh * 0.5, gx + gw * 0.5, gy + gh * 0.5];
  if (maxShape) {
    const [h, w] = maxShape;
    box[0] = Math.min(Math.max(box[0]!, 0), w);
    box[1] = Math.min(Math.max(box[1]!, 0), h);
    box[2] = Math.min(Math.max(box[2]!, 0), w);
    box[3] = Math.min(Math.max(box[3]!, 0), h);
  }
  out.set(box, o);
}

/** Boxes from `rois[k]` and `deltas[k]`, both `n x 4`, clipped to `maxShape` (`[h, w]`) when given. */
export function decodeBoxes(
  rois: Float32Array,
  deltas: ArrayLike<number>,
  config: BBoxCoderConfig,
  maxShape?: readonly [number, number],
): Float32Array {
  const out = new Float32Array(rois.length);
  for (let k = 0; k < rois.length >> 2; k++)
    decodeOne(rois, k, deltas, 4 * k, config, out, 4 * k, maxShape);
  return out;
}
