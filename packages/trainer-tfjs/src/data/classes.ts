/**
 * The object classes a generated detection set can contain: drawn shapes and real MNIST digits.
 * Each renders a coverage mask for a requested box size.
 */
import { glyphMask, glyphRange } from './mnist-glyphs.ts';
import type { Mask } from './raster.ts';
import { resizeBilinear } from './resize.ts';
import { randFloat, randInt, type Rng } from './rng.ts';

/** Drawn shapes available as classes. */
export const SHAPE_CLASSES = ['circle', 'square', 'triangle', 'ring', 'cross'] as const;
/** MNIST digit classes, `digit-0` ... `digit-9`. */
export const DIGIT_CLASSES = Array.from({ length: 10 }, (_, d) => `digit-${d}`);
/** Every class name `generateDetectionSet` accepts. */
export const ALL_CLASSES: readonly string[] = [...SHAPE_CLASSES, ...DIGIT_CLASSES];
/** Default classes: three shapes and three digits. */
export const DEFAULT_CLASSES: readonly string[] = [
  'circle',
  'square',
  'triangle',
  'digit-2',
  'digit-5',
  'digit-7',
];

/** `[u, v]` in [0, 1]^2 -> whether that point of the box is inside the shape. */
type Inside = (u: number, v: number) => boolean;

const SHAPES: Record<(typeof SHAPE_CLASSES)[number], Inside> = {
  circle: (u, v) => (u - 0.5) ** 2 + (v - 0.5) ** 2 <= 0.25,
  square: () => true,
  triangle: (u, v) => Math.abs(u - 0.5) <= v / 2,
  ring: (u, v) => {
    const r2 = (u - 0.5) ** 2 + (v - 0.5) ** 2;
    return r2 <= 0.25 && r2 >= 0.09;
  },
  cross: (u, v) => Math.abs(u - 0.5) <= 0.17 || Math.abs(v - 0.5) <= 0.17,
};

/** Rasterises a shape with 4x4 supersampling (anti-aliased edges). */
function shapeMask(inside: Inside, width: number, height: number): Mask {
  const alpha = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let hits = 0;
      for (let sy = 0; sy < 4; sy++) {
        for (let sx = 0; sx < 4; sx++)
          if (inside((x + (sx + 0.5) / 4) / width, (y + (sy + 0.5) / 4) / height)) hits++;
      }
      alpha[y * width + x] = hits / 16;
    }
  }
  return { width, height, alpha };
}

/**
 * Renders one object of class `name` whose longer side is about `size` pixels. Shapes keep a 1:1 aspect except
 * triangles (jittered); digits keep their glyph's aspect. `split` picks which MNIST glyphs may be used.
 */
export function renderObject(rng: Rng, name: string, size: number, split: 'train' | 'val'): Mask {
  if (name in SHAPES) {
    const inside = SHAPES[name as keyof typeof SHAPES];
    const aspect = name === 'triangle' ? randFloat(rng, 0.75, 1.25) : 1;
    const [w, h] =
      aspect >= 1 ? [size, Math.round(size / aspect)] : [Math.round(size * aspect), size];
    return shapeMask(inside, Math.max(2, w), Math.max(2, h));
  }
  const digit = DIGIT_CLASSES.indexOf(name);
  if (digit < 0) throw new RangeError(`unknown class "${name}" (known: ${ALL_CLASSES.join(', ')})`);
  const { start, count } = glyphRange(digit, split);
  const glyph = glyphMask(digit, start + randInt(rng, 0, count - 1));
  const scale = size / Math.max(glyph.width, glyph.height);
  const [w, h] = [
    Math.max(2, Math.round(glyph.width * scale)),
    Math.max(2, Math.round(glyph.height * scale)),
  ];
  return {
    width: w,
    height: h,
    alpha: resizeBilinear(glyph.alpha, glyph.width, glyph.height, 1, w, h),
  };
}
