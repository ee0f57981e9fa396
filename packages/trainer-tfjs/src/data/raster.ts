/**
 * Minimal RGB raster drawing for the generated detection set: backgrounds, distractor strokes and alpha masks
 * composited with a tint. Images are 8-bit RGB, row-major, no alpha.
 */
import { randFloat, randInt, type Rng } from './rng.ts';

/** An 8-bit RGB image, `data.length === width * height * 3`. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** A coverage mask in [0, 1], row-major. */
export interface Mask {
  width: number;
  height: number;
  alpha: Float32Array;
}

/** An RGB colour, 0-255 per channel. */
export type Rgb = readonly [number, number, number];

/** Perceived brightness (ITU-R BT.601 luma), 0-255. */
export function luma([r, g, b]: Rgb): number {
  return 0.299 * r + 0.587 * g + 0.114 * b;
}

/** A random colour whose luma differs from `avoid` by at least `minContrast`. */
export function contrastingColor(rng: Rng, avoid: number, minContrast = 70): Rgb {
  for (;;) {
    const c: Rgb = [randInt(rng, 0, 255), randInt(rng, 0, 255), randInt(rng, 0, 255)];
    if (Math.abs(luma(c) - avoid) >= minContrast) return c;
  }
}

/**
 * Clutter background: a linear gradient between two colours plus grey per-pixel noise (one value for all three
 * channels: texture enough, and it keeps the PNGs about half as large as colour noise).
 * Returns the image and its mean luma (object colours are picked to contrast with it).
 */
export function drawBackground(
  rng: Rng,
  width: number,
  height: number,
): { image: RgbImage; meanLuma: number } {
  const data = new Uint8Array(width * height * 3);
  const a: Rgb = [randInt(rng, 0, 255), randInt(rng, 0, 255), randInt(rng, 0, 255)];
  const b: Rgb = a.map((v) =>
    Math.max(0, Math.min(255, v + randInt(rng, -60, 60))),
  ) as unknown as Rgb;
  const angle = randFloat(rng, 0, Math.PI * 2);
  const [dx, dy] = [Math.cos(angle) / width, Math.sin(angle) / height]; // t runs 0..1 across the image
  const noise = randInt(rng, 4, 16);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const t = Math.min(1, Math.max(0, 0.5 + (x - width / 2) * dx + (y - height / 2) * dy));
      const o = (y * width + x) * 3;
      const n = (rng() - 0.5) * 2 * noise;
      for (let c = 0; c < 3; c++) {
        const v = a[c]! * (1 - t) + b[c]! * t + n;
        data[o + c] = Math.max(0, Math.min(255, Math.round(v)));
      }
    }
  }
  return {
    image: { width, height, data },
    meanLuma: luma([(a[0] + b[0]) / 2, (a[1] + b[1]) / 2, (a[2] + b[2]) / 2]),
  };
}

/** Blends `color` into the image where the mask covers it, with the mask's top-left at (x0, y0). */
export function composite(image: RgbImage, mask: Mask, x0: number, y0: number, color: Rgb): void {
  for (let my = 0; my < mask.height; my++) {
    const y = y0 + my;
    if (y < 0 || y >= image.height) continue;
    for (let mx = 0; mx < mask.width; mx++) {
      const x = x0 + mx;
      const a = mask.alpha[my * mask.width + mx]!;
      if (a <= 0 || x < 0 || x >= image.width) continue;
      const o = (y * image.width + x) * 3;
      for (let c = 0; c < 3; c++)
        image.data[o + c] = Math.round(image.data[o + c]! * (1 - a) + color[c]! * a);
    }
  }
}

/** Draws `count` random thin polylines (clutter that belongs to no class). */
export function drawStrokes(rng: Rng, image: RgbImage, count: number, meanLuma: number): void {
  for (let s = 0; s < count; s++) {
    const color = contrastingColor(rng, meanLuma, 30);
    let x = randFloat(rng, 0, image.width);
    let y = randFloat(rng, 0, image.height);
    let heading = randFloat(rng, 0, Math.PI * 2);
    const steps = randInt(rng, 10, Math.max(12, image.width));
    for (let i = 0; i < steps; i++) {
      heading += randFloat(rng, -0.3, 0.3);
      x += Math.cos(heading);
      y += Math.sin(heading);
      const [px, py] = [Math.round(x), Math.round(y)];
      if (px < 0 || py < 0 || px >= image.width || py >= image.height) break;
      const o = (py * image.width + px) * 3;
      for (let c = 0; c < 3; c++) image.data[o + c] = color[c]!;
    }
  }
}
