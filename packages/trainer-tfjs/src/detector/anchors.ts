/**
 * MMDetection v2's `AnchorGenerator` (scale-major base anchors, no rounding, `center_offset` 0): at every
 * feature-map location of level l, anchors centred on (x * stride, y * stride). Ordering matches an NHWC head
 * output reshaped to `[H * W * A]`: location-major (row, then column), anchor-minor.
 */

/** Anchor settings; Faster R-CNN's defaults are strides [4, 8, 16, 32, 64], scales [8], ratios [0.5, 1, 2]. */
export interface AnchorConfig {
  strides: readonly number[];
  /** Octave scales: an anchor's side is base size x scale (base size = stride). */
  scales: readonly number[];
  /** Height / width ratios. */
  ratios: readonly number[];
  /** Base sizes per level; default the strides. */
  baseSizes?: readonly number[];
  /** Centre offset in units of the base size (mmdet's `center_offset`); default 0. */
  centerOffset?: number;
}

/** Anchors per location: ratios x scales. */
export function anchorsPerLocation(config: AnchorConfig): number {
  return config.ratios.length * config.scales.length;
}

/**
 * The base anchors of one level, `A x 4` around the origin: for each ratio r (outer) and scale s (inner),
 * width base * s / sqrt(r), height base * s * sqrt(r).
 */
export function baseAnchors(
  baseSize: number,
  scales: readonly number[],
  ratios: readonly number[],
  centerOffset = 0,
): Float32Array {
  const out = new Float32Array(ratios.length * scales.length * 4);
  const cx = centerOffset * baseSize;
  const cy = centerOffset * baseSize;
  let k = 0;
  for (const r of ratios) {
    const hRatio = Math.sqrt(r);
    const wRatio = 1 / hRatio;
    for (const s of scales) {
      const w = baseSize * wRatio * s;
      const h = baseSize * hRatio * s;
      out.set([cx - 0.5 * w, cy - 0.5 * h, cx + 0.5 * w, cy + 0.5 * h], 4 * k++);
    }
  }
  return out;
}

/** All anchors of one level for an `h x w` feature map, `(h * w * A) x 4`. */
export function gridAnchors(
  base: Float32Array,
  h: number,
  w: number,
  stride: number,
): Float32Array {
  const a = base.length >> 2;
  const out = new Float32Array(h * w * a * 4);
  let o = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const sx = x * stride;
      const sy = y * stride;
      for (let k = 0; k < a; k++) {
        out[o++] = (base[4 * k] as number) + sx;
        out[o++] = (base[4 * k + 1] as number) + sy;
        out[o++] = (base[4 * k + 2] as number) + sx;
        out[o++] = (base[4 * k + 3] as number) + sy;
      }
    }
  }
  return out;
}

/** Anchors of every level, for feature maps of sizes `[h, w]` (finest first). */
export function multiLevelAnchors(
  config: AnchorConfig,
  sizes: ReadonlyArray<readonly [number, number]>,
): Float32Array[] {
  if (sizes.length !== config.strides.length) {
    throw new Error(`anchors: ${sizes.length} feature maps for ${config.strides.length} strides`);
  }
  return sizes.map(([h, w], l) => {
    const stride = config.strides[l] as number;
    const base = baseAnchors(
      config.baseSizes?.[l] ?? stride,
      config.scales,
      config.ratios,
      config.centerOffset ?? 0,
    );
    return gridAnchors(base, h, w, stride);
  });
}
