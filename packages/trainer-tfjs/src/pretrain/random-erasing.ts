/**
 * Random erasing (Zhong et al. 2017) as torchvision's `RandomErasing(value=0)`, the tnr recipe's (p 0.1): with
 * probability p, a box of area share in `scale` and aspect ratio (log-uniform) in `ratio` is set to `value`;
 * up to 10 draws look for a box that fits strictly inside the image, else nothing is erased.
 */
import type { CutBox } from './mixing.ts';
import type { Uniform } from './sampling.ts';

/** Settings (torchvision's defaults but `p`, which the recipe sets). */
export interface ErasingConfig {
  p: number;
  /** Default [0.02, 0.33]. */
  scale?: [number, number];
  /** Default [0.3, 3.3]. */
  ratio?: [number, number];
}

/** Draws the box to erase in an h x w image, or null (not this time, or no fitting box in 10 draws). */
export function sampleErasing(u: Uniform, c: ErasingConfig, h: number, w: number): CutBox | null {
  if (!(u() < c.p)) return null;
  const [s0, s1] = c.scale ?? [0.02, 0.33];
  const [r0, r1] = (c.ratio ?? [0.3, 3.3]).map(Math.log) as [number, number];
  for (let attempt = 0; attempt < 10; attempt++) {
    const area = h * w * (s0 + (s1 - s0) * u());
    const aspect = Math.exp(r0 + (r1 - r0) * u());
    const eh = Math.round(Math.sqrt(area * aspect));
    const ew = Math.round(Math.sqrt(area / aspect));
    if (!(eh < h && ew < w)) continue;
    const y0 = Math.floor(u() * (h - eh + 1));
    const x0 = Math.floor(u() * (w - ew + 1));
    return { y0, y1: y0 + eh, x0, x1: x0 + ew };
  }
  return null;
}

/** Sets `box` of one HWC float image (`channels` per pixel) to `value`, in place. */
export function eraseBox(
  image: Float32Array,
  w: number,
  channels: number,
  box: CutBox,
  value = 0,
): void {
  for (let y = box.y0; y < box.y1; y++) {
    image.fill(value, (y * w + box.x0) * channels, (y * w + box.x1) * channels);
  }
}
