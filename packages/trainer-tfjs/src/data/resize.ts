/**
 * Bilinear resampling with half-pixel centres (OpenCV's INTER_LINEAR, PyTorch's align_corners=False), used for
 * both glyph masks and loader images so both agree on where a pixel is.
 */

/**
 * Resamples an interleaved `channels`-channel image of sw x sh to dw x dh into `out` (allocated when absent).
 * Values are kept as floats; callers round or normalise.
 */
export function resizeBilinear(
  src: ArrayLike<number>,
  sw: number,
  sh: number,
  channels: number,
  dw: number,
  dh: number,
  out: Float32Array = new Float32Array(dw * dh * channels),
): Float32Array {
  const xs = axisTaps(sw, dw);
  const ys = axisTaps(sh, dh);
  for (let y = 0; y < dh; y++) {
    const [y0, y1, wy] = [ys.i0[y]!, ys.i1[y]!, ys.w[y]!];
    for (let x = 0; x < dw; x++) {
      const [x0, x1, wx] = [xs.i0[x]!, xs.i1[x]!, xs.w[x]!];
      const o = (y * dw + x) * channels;
      for (let c = 0; c < channels; c++) {
        const top =
          src[(y0 * sw + x0) * channels + c]! * (1 - wx) + src[(y0 * sw + x1) * channels + c]! * wx;
        const bottom =
          src[(y1 * sw + x0) * channels + c]! * (1 - wx) + src[(y1 * sw + x1) * channels + c]! * wx;
        out[o + c] = top * (1 - wy) + bottom * wy;
      }
    }
  }
  return out;
}

/** Source indices and weights along one axis: destination pixel d samples source coordinate (d+0.5)*s/n-0.5. */
function axisTaps(
  srcSize: number,
  dstSize: number,
): { i0: Int32Array; i1: Int32Array; w: Float32Array } {
  const i0 = new Int32Array(dstSize);
  const i1 = new Int32Array(dstSize);
  const w = new Float32Array(dstSize);
  const scale = srcSize / dstSize;
  for (let d = 0; d < dstSize; d++) {
    const s = Math.min(Math.max((d + 0.5) * scale - 0.5, 0), srcSize - 1);
    i0[d] = Math.floor(s);
    i1[d] = Math.min(i0[d]! + 1, srcSize - 1);
    w[d] = s - i0[d]!;
  }
  return { i0, i1, w };
}
