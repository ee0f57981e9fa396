/**
 * RoIAlign (He et al., torchvision's `roi_align` / mmcv's `RoIAlign`, `aligned=True` by default), differentiable
 * with respect to the feature map on every backend.
 *
 * Why matrices: torchvision averages, per output bin, bilinear samples on a regular grid. Both the sample
 * positions and the bilinear weights factor into a y part and an x part (a sample outside [-1, size] is zeroed
 * on either axis, which is a product of two indicators), so for one RoI
 *   out[ph, pw, c] = sum_y sum_x Wy[ph, y] Wx[pw, x] F[y, x, c].
 * Wy and Wx are small constants computed here in plain JavaScript; the feature side is two matMuls and two
 * transposes, whose gradients every TF.js backend has (no gather, so no UnsortedSegmentSum, and no
 * cropAndResize, which has no gradient). The cost is k * P * H * W * C multiply-adds per image and level: small
 * for the demo sizes, matMul-bound on a GPU at full scale.
 */
import * as tf from '@tensorflow/tfjs-core';

import { sparseLeftBatchMatMul } from '../backend/wasm-kernels/sparse-batch-matmul.ts';

/** RoIAlign settings (mmdet's `roi_layer`): output 7, sampling_ratio 0 (adaptive), aligned. */
export interface RoiAlignConfig {
  /** Output height and width. */
  outputSize: number;
  /** Samples per bin along each axis; 0: ceil(roi extent / outputSize) per RoI, as torchvision. */
  samplingRatio: number;
  /** Shift box corners by -0.5 pixel (pixel-centre model). Default true. */
  aligned?: boolean;
}

/** Adds the bilinear weights of the samples of one axis of one RoI into `out[p * size + i]`. */
function addAxisWeights(
  start: number,
  extent: number,
  size: number,
  config: RoiAlignConfig,
  out: Float32Array,
  offset: number,
): void {
  const pooled = config.outputSize;
  const bin = extent / pooled;
  const grid = config.samplingRatio > 0 ? config.samplingRatio : Math.ceil(extent / pooled);
  for (let p = 0; p < pooled; p++) {
    for (let s = 0; s < grid; s++) {
      let c = start + p * bin + ((s + 0.5) * bin) / grid;
      if (c < -1 || c > size) continue;
      if (c <= 0) c = 0;
      let low = Math.floor(c);
      let high = low + 1;
      if (low >= size - 1) {
        low = high = size - 1;
        c = low;
      }
      const frac = c - low;
      const row = offset + p * size;
      out[row + low] = (out[row + low] as number) + (1 - frac) / grid;
      out[row + high] = (out[row + high] as number) + frac / grid;
    }
  }
}

/**
 * The separable sampling matrices of `rois` (`k x 4`, image pixels) on an `h x w` map at `spatialScale`:
 * `wy` is `k x P x h`, `wx` is `k x P x w`.
 */
export function roiAlignWeights(
  rois: Float32Array,
  spatialScale: number,
  [h, w]: readonly [number, number],
  config: RoiAlignConfig,
): { wy: Float32Array; wx: Float32Array } {
  const k = rois.length >> 2;
  const p = config.outputSize;
  const wy = new Float32Array(k * p * h);
  const wx = new Float32Array(k * p * w);
  const shift = config.aligned === false ? 0 : 0.5;
  for (let r = 0; r < k; r++) {
    const [x1, y1, x2, y2] = [rois[4 * r]!, rois[4 * r + 1]!, rois[4 * r + 2]!, rois[4 * r + 3]!];
    let ew = (x2 - x1) * spatialScale;
    let eh = (y2 - y1) * spatialScale;
    if (config.aligned === false) [ew, eh] = [Math.max(ew, 1), Math.max(eh, 1)];
    addAxisWeights(y1 * spatialScale - shift, eh, h, config, wy, r * p * h);
    addAxisWeights(x1 * spatialScale - shift, ew, w, config, wx, r * p * w);
  }
  return { wy, wx };
}

/**
 * RoIAlign of one image's feature map `[h, w, c]`: `k x P x P x c` (bin row, bin column, channel). The gradient
 * (features only; the boxes get none, as in torchvision) is tfjs' own through the two matMuls: on wasm the
 * transposed products it uses are made fast by backend/wasm-kernels/transposed-matmul.ts, and the second,
 * batched one (about 2 non-zero weights per row) skips the zeros (backend/wasm-kernels/sparse-batch-matmul.ts).
 */
export function roiAlignImage(
  feature: tf.Tensor3D,
  rois: Float32Array,
  spatialScale: number,
  config: RoiAlignConfig,
): tf.Tensor4D {
  const [h, w, c] = feature.shape;
  const k = rois.length >> 2;
  const p = config.outputSize;
  const { wy, wx } = roiAlignWeights(rois, spatialScale, [h, w], config);
  const rows = tf.matMul(
    tf.tensor2d(wy, [k * p, h]),
    tf.reshape(feature, [h, w * c]) as tf.Tensor2D,
  );
  const byColumn = tf.reshape(tf.transpose(tf.reshape(rows, [k, p, w, c]), [0, 2, 1, 3]), [
    k,
    w,
    p * c,
  ]) as tf.Tensor3D;
  const pooled = sparseLeftBatchMatMul(tf.tensor3d(wx, [k, p, w]), byColumn);
  return tf.transpose(tf.reshape(pooled, [k, p, p, c]), [0, 2, 1, 3]);
}

/**
 * RoIAlign over a batch `[n, h, w, c]` for RoIs with image indices `batchIndex`. Rows come out grouped by image
 * (ascending), keeping the RoIs' order within an image; `order[row]` is the input RoI index of each row.
 */
export function roiAlign(
  features: tf.Tensor4D,
  rois: Float32Array,
  batchIndex: ArrayLike<number>,
  spatialScale: number,
  config: RoiAlignConfig,
): { pooled: tf.Tensor4D; order: number[] } {
  const [n, h, w, c] = features.shape;
  const order: number[] = [];
  const parts: tf.Tensor4D[] = [];
  for (let b = 0; b < n; b++) {
    const members = Array.from({ length: batchIndex.length }, (_, i) => i).filter(
      (i) => batchIndex[i] === b,
    );
    if (members.length === 0) continue;
    const boxes = new Float32Array(members.length * 4);
    members.forEach((i, j) => {
      boxes.set(rois.subarray(4 * i, 4 * i + 4), 4 * j);
    });
    const image = tf.reshape(tf.slice(features, [b, 0, 0, 0], [1, h, w, c]), [
      h,
      w,
      c,
    ]) as tf.Tensor3D;
    parts.push(roiAlignImage(image, boxes, spatialScale, config));
    order.push(...members);
  }
  const p = config.outputSize;
  if (parts.length === 0) return { pooled: tf.zeros([0, p, p, c]), order };
  return { pooled: parts.length === 1 ? parts[0]! : tf.concat(parts, 0), order };
}
