/**
 * MMDetection's detection pipeline steps on plain typed arrays: keep-ratio resize, horizontal flip (image and
 * boxes), normalisation with ImageNet mean/std in 0-255 scale (RGB), and padding to a multiple of 32.
 */
import type { CocoAnnotation } from '@sweeps/coco-eval';

/** ImageNet mean, RGB, 0-255 scale (MMDetection's `mean`). */
export const IMAGENET_MEAN = [123.675, 116.28, 103.53] as const;
/** ImageNet std, RGB, 0-255 scale (MMDetection's `std`). */
export const IMAGENET_STD = [58.395, 57.12, 57.375] as const;

/** An image size after resizing, with the per-axis factors that map original to resized pixels. */
export interface ResizedSize {
  width: number;
  height: number;
  scaleX: number;
  scaleY: number;
}

/**
 * `Resize(scale=(s, s), keep_ratio=True)`: the longer side becomes `scale`, sides rounded half up; the factors
 * are the realised ones (`new / old` per axis), as MMDetection stores them.
 */
export function rescaleSize(width: number, height: number, scale: number): ResizedSize {
  const f = scale / Math.max(width, height);
  const w = Math.max(1, Math.floor(width * f + 0.5));
  const h = Math.max(1, Math.floor(height * f + 0.5));
  return { width: w, height: h, scaleX: w / width, scaleY: h / height };
}

/** The smallest multiple of `divisor` that is >= `n`. */
export function padTo(n: number, divisor: number): number {
  return Math.ceil(n / divisor) * divisor;
}

/**
 * COCO `[x, y, w, h]` boxes to `[x1, y1, x2, y2]` in resized pixels, clipped to the resized image.
 */
export function scaleBoxes(
  annotations: readonly CocoAnnotation[],
  size: ResizedSize,
): Float32Array {
  const out = new Float32Array(annotations.length * 4);
  annotations.forEach((a, i) => {
    const [x, y, w, h] = a.bbox;
    out[i * 4] = Math.min(Math.max(x * size.scaleX, 0), size.width);
    out[i * 4 + 1] = Math.min(Math.max(y * size.scaleY, 0), size.height);
    out[i * 4 + 2] = Math.min(Math.max((x + w) * size.scaleX, 0), size.width);
    out[i * 4 + 3] = Math.min(Math.max((y + h) * size.scaleY, 0), size.height);
  });
  return out;
}

/** Horizontal flip of `[x1, y1, x2, y2]` boxes in an image `width` wide: x1' = W - x2, x2' = W - x1. */
export function flipBoxes(boxes: Float32Array, width: number): void {
  for (let i = 0; i < boxes.length; i += 4) {
    const x1 = boxes[i]!;
    boxes[i] = width - boxes[i + 2]!;
    boxes[i + 2] = width - x1;
  }
}

/**
 * Normalises a resized RGB image (`h x w x 3`, 0-255 floats) into a zero-padded NHWC batch slot `padW` wide,
 * mirroring columns when `flip` is set. Padding stays 0, i.e. the mean colour after normalisation.
 */
export function writeNormalized(
  resized: Float32Array,
  size: { width: number; height: number },
  flip: boolean,
  out: Float32Array,
  offset: number,
  padW: number,
): void {
  const { width: w, height: h } = size;
  const [m0, m1, m2] = IMAGENET_MEAN;
  const [s0, s1, s2] = IMAGENET_STD;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const src = (y * w + (flip ? w - 1 - x : x)) * 3;
      const dst = offset + (y * padW + x) * 3;
      out[dst] = (resized[src]! - m0) / s0;
      out[dst + 1] = (resized[src + 1]! - m1) / s1;
      out[dst + 2] = (resized[src + 2]! - m2) / s2;
    }
  }
}
