/**
 * A RandAugment-style policy (Cubuk et al. 2020) on 8-bit HWC RGB images, the rsb recipe's augmentation at
 * this scale. A small op set with torchvision's tensor semantics (`transforms.functional` on uint8: float32
 * arithmetic, clamped to [0, 255], truncated to uint8) and torchvision's `RandAugment` magnitude bins:
 *
 * | op | magnitude at bin m of `bins` | signed |
 * |---|---|---|
 * | identity, autoContrast, equalize | - | |
 * | brightness, color (saturation), contrast | factor 1 + linspace(0, 0.9)[m] | yes |
 * | solarize | threshold linspace(255, 0)[m] | |
 * | posterize | bits 8 - round(m / ((bins - 1) / 4)) | |
 * | translateX / translateY | whole pixels trunc(linspace(0, 150/331 x side)[m]), fill 0 | yes |
 *
 * Rotation and shear (which need interpolation) are left out. Each image gets `numOps` ops drawn uniformly.
 */
import type { Uniform } from './sampling.ts';

/** An 8-bit HWC RGB image. */
export interface RgbImage {
  data: Uint8Array;
  height: number;
  width: number;
}

export const AUGMENT_OPS = [
  'identity',
  'brightness',
  'color',
  'contrast',
  'solarize',
  'posterize',
  'autoContrast',
  'equalize',
  'translateX',
  'translateY',
] as const;
export type AugmentOp = (typeof AUGMENT_OPS)[number];

/** RandAugment settings: ops per image, magnitude bin (0 .. bins - 1), bins (default 31, torchvision's). */
export interface RandAugmentConfig {
  numOps: number;
  magnitude: number;
  bins?: number;
}

const f32 = Math.fround;
const toByte = (v: number) => Math.trunc(Math.min(Math.max(v, 0), 255));

/** torchvision's `_blend` of img with `other` (a per-pixel or constant value), float32 then truncated. */
function blend(img: RgbImage, ratio: number, other: (i: number) => number): RgbImage {
  const r = f32(ratio);
  const s = f32(1 - ratio);
  const data = img.data.map((v, i) => toByte(f32(f32(r * v) + f32(s * other(i)))));
  return { ...img, data };
}

/** torchvision's uint8 grayscale: trunc(0.2989 r + 0.587 g + 0.114 b) in float32, one value per pixel. */
function grayscale(img: RgbImage): Uint8Array {
  const n = img.height * img.width;
  const out = new Uint8Array(n);
  const [wr, wg, wb] = [f32(0.2989), f32(0.587), f32(0.114)];
  for (let p = 0; p < n; p++) {
    const d = img.data;
    const sum = f32(f32(f32(wr * d[3 * p]!) + f32(wg * d[3 * p + 1]!)) + f32(wb * d[3 * p + 2]!));
    out[p] = toByte(sum);
  }
  return out;
}

export function adjustBrightness(img: RgbImage, factor: number): RgbImage {
  return blend(img, factor, () => 0);
}

export function adjustSaturation(img: RgbImage, factor: number): RgbImage {
  const gray = grayscale(img);
  return blend(img, factor, (i) => gray[Math.floor(i / 3)]!);
}

export function adjustContrast(img: RgbImage, factor: number): RgbImage {
  const gray = grayscale(img);
  let sum = 0;
  for (const g of gray) sum += g;
  const mean = f32(sum / gray.length);
  return blend(img, factor, () => mean);
}

export function solarize(img: RgbImage, threshold: number): RgbImage {
  return { ...img, data: img.data.map((v) => (v >= threshold ? 255 - v : v)) };
}

export function posterize(img: RgbImage, bits: number): RgbImage {
  const mask = (0xff << (8 - bits)) & 0xff;
  return { ...img, data: img.data.map((v) => v & mask) };
}

/** Per channel, stretches [min, max] to [0, 255] (unchanged where min = max). */
export function autoContrast(img: RgbImage): RgbImage {
  const data = new Uint8Array(img.data.length);
  for (let c = 0; c < 3; c++) {
    let lo = 255;
    let hi = 0;
    for (let i = c; i < img.data.length; i += 3) {
      lo = Math.min(lo, img.data[i]!);
      hi = Math.max(hi, img.data[i]!);
    }
    const [min, scale] = hi === lo ? [0, 1] : [lo, f32(255 / (hi - lo))];
    for (let i = c; i < img.data.length; i += 3)
      data[i] = toByte(f32((img.data[i]! - min) * scale));
  }
  return { ...img, data };
}

/** Per channel histogram equalisation with torchvision's lookup table (unchanged when one level dominates). */
export function equalize(img: RgbImage): RgbImage {
  const data = new Uint8Array(img.data);
  for (let c = 0; c < 3; c++) {
    const hist = new Array<number>(256).fill(0);
    for (let i = c; i < data.length; i += 3) hist[img.data[i]!]!++;
    const nonzero = hist.filter((h) => h > 0);
    const step = Math.floor(
      (nonzero.reduce((a, b) => a + b, 0) - nonzero[nonzero.length - 1]!) / 255,
    );
    if (step === 0) continue;
    const lut = new Uint8Array(256);
    let cum = 0;
    for (let v = 0; v < 256; v++) {
      lut[v] = Math.min(255, Math.floor((cum + Math.floor(step / 2)) / step));
      cum += hist[v]!;
    }
    for (let i = c; i < data.length; i += 3) data[i] = lut[img.data[i]!]!;
  }
  return { ...img, data };
}

/** Shifts by whole pixels (dx right, dy down), filling with 0. */
export function translate(img: RgbImage, dx: number, dy: number): RgbImage {
  const { height: h, width: w } = img;
  const data = new Uint8Array(img.data.length);
  for (let y = 0; y < h; y++) {
    const sy = y - dy;
    if (sy < 0 || sy >= h) continue;
    for (let x = 0; x < w; x++) {
      const sx = x - dx;
      if (sx < 0 || sx >= w) continue;
      data.set(img.data.subarray((sy * w + sx) * 3, (sy * w + sx) * 3 + 3), (y * w + x) * 3);
    }
  }
  return { ...img, data };
}

/** torchvision's `torch.linspace(from, to, bins)[m]`. */
function linspace(from: number, to: number, bins: number, m: number): number {
  return bins === 1 ? from : from + ((to - from) * m) / (bins - 1);
}

/** Applies one op at magnitude bin `m` of `bins`; `negative` flips the signed ops' magnitude. */
export function applyOp(
  img: RgbImage,
  op: AugmentOp,
  m: number,
  bins: number,
  negative: boolean,
): RgbImage {
  const sign = negative ? -1 : 1;
  const factor = () => 1 + sign * linspace(0, 0.9, bins, m);
  const shift = (side: number) => sign * Math.trunc(linspace(0, (150 / 331) * side, bins, m));
  switch (op) {
    case 'identity':
      return img;
    case 'brightness':
      return adjustBrightness(img, factor());
    case 'color':
      return adjustSaturation(img, factor());
    case 'contrast':
      return adjustContrast(img, factor());
    case 'solarize':
      return solarize(img, linspace(255, 0, bins, m));
    case 'posterize':
      return posterize(img, 8 - Math.round(m / ((bins - 1) / 4)));
    case 'autoContrast':
      return autoContrast(img);
    case 'equalize':
      return equalize(img);
    case 'translateX':
      return translate(img, shift(img.width), 0);
    case 'translateY':
      return translate(img, 0, shift(img.height));
  }
}

/** Draws `numOps` ops (uniformly, with a random sign each) and applies them in turn. */
export function randAugment(img: RgbImage, u: Uniform, c: RandAugmentConfig): RgbImage {
  const bins = c.bins ?? 31;
  if (!(Number.isInteger(c.magnitude) && c.magnitude >= 0 && c.magnitude < bins))
    throw new RangeError(`magnitude must be a bin in [0, ${bins - 1}], got ${c.magnitude}`);
  let out = img;
  for (let k = 0; k < c.numOps; k++) {
    const op = AUGMENT_OPS[Math.floor(u() * AUGMENT_OPS.length)]!;
    out = applyOp(out, op, c.magnitude, bins, u() < 0.5);
  }
  return out;
}
