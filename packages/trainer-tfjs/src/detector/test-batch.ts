/**
 * A tiny synthetic batch for tests and step-time measurements: bright rectangles (one colour per class) on a
 * dark noisy background, boxes in `[x1, y1, x2, y2]` pixels, deterministic per seed.
 */
import { createRng } from '../data/rng.ts';
import type { TrainBatch } from './detector.ts';
import type { ImageMeta } from './post-process.ts';

const CLASS_COLOURS: ReadonlyArray<readonly [number, number, number]> = [
  [2, -1, -1],
  [-1, 2, -1],
  [-1, -1, 2],
  [2, 2, -1],
];

/** Two to four objects per image of `size x size` pixels, classes `0..numClasses-1` (at most 4 colours). */
export function syntheticBatch(
  images: number,
  size: number,
  numClasses: number,
  seed = 0,
): TrainBatch & { metas: ImageMeta[] } {
  const rng = createRng(seed);
  const pixels = new Float32Array(images * size * size * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = -1 + 0.3 * rng();
  const boxes: Float32Array[] = [];
  const labels: Int32Array[] = [];
  for (let n = 0; n < images; n++) {
    const count = 2 + Math.floor(rng() * 3);
    const b = new Float32Array(count * 4);
    const l = new Int32Array(count);
    for (let k = 0; k < count; k++) {
      const w = Math.round(size * (0.2 + 0.4 * rng()));
      const h = Math.round(size * (0.2 + 0.4 * rng()));
      const x1 = Math.floor(rng() * (size - w));
      const y1 = Math.floor(rng() * (size - h));
      b.set([x1, y1, x1 + w, y1 + h], 4 * k);
      l[k] = Math.floor(rng() * numClasses);
      paint(
        pixels,
        n,
        size,
        [x1, y1, x1 + w, y1 + h],
        CLASS_COLOURS[(l[k] as number) % CLASS_COLOURS.length]!,
      );
    }
    boxes.push(b);
    labels.push(l);
  }
  const imgShapes = Array.from({ length: images }, () => [size, size] as [number, number]);
  const metas = imgShapes.map((imgShape) => ({
    imgShape,
    scaleFactor: [1, 1] as [number, number],
  }));
  return { images: pixels, shape: [images, size, size, 3], boxes, labels, imgShapes, metas };
}

function paint(
  pixels: Float32Array,
  n: number,
  size: number,
  [x1, y1, x2, y2]: number[],
  colour: readonly number[],
): void {
  for (let y = y1!; y < y2!; y++) {
    for (let x = x1!; x < x2!; x++) {
      const o = ((n * size + y) * size + x) * 3;
      pixels.set(colour, o);
    }
  }
}
