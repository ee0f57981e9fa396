/**
 * Composes one generated image: cluttered background, distractor strokes, then objects of the chosen classes at
 * small, medium and large scales with partial overlaps. Boxes are the tight boxes of each object's *visible*
 * pixels (COCO annotates what is visible); placements that would hide more than 40% of an earlier object are
 * retried elsewhere.
 */
import { renderObject } from './classes.ts';
import {
  composite,
  contrastingColor,
  drawBackground,
  drawStrokes,
  type Mask,
  type RgbImage,
} from './raster.ts';
import { pick, randInt, type Rng } from './rng.ts';

/** COCO's area ranges: small < 32^2 <= medium < 96^2 <= large (box area here). */
export type AreaRange = 'small' | 'medium' | 'large';

/** One placed object: its class index and visible box `[x, y, w, h]` in pixels. */
export interface SceneObject {
  classIndex: number;
  bbox: [number, number, number, number];
}

/** A composed image with its objects. */
export interface Scene {
  image: RgbImage;
  objects: SceneObject[];
}

/** What `composeScene` needs. `forceLarge` makes the first object large when the image can hold one. */
export interface SceneOptions {
  width: number;
  height: number;
  classes: readonly string[];
  split: 'train' | 'val';
  forceLarge: boolean;
  /** Side range of small objects, `[min, max]` pixels (kept < 32 so their area is COCO-small). Default [8, 26]. */
  smallSide?: readonly [number, number];
}

const MIN_VISIBLE = 0.6;
const OPAQUE = 0.5;

/** Longer side, in pixels, for an object of the given range in an image whose shorter side is `minSide`. */
function sizeFor(
  rng: Rng,
  range: AreaRange,
  minSide: number,
  smallSide: readonly [number, number] = [8, 26],
): number {
  if (range === 'small') return randInt(rng, smallSide[0], smallSide[1]);
  if (range === 'medium') return randInt(rng, 36, Math.min(88, minSide - 2));
  return randInt(rng, 100, minSide - 2);
}

function pickRange(rng: Rng, minSide: number): AreaRange {
  const r = rng();
  if (r < 0.45) return 'small';
  return r < 0.88 || minSide < 104 ? 'medium' : 'large';
}

/** Composes one image. Deterministic given the stream `rng`. */
export function composeScene(rng: Rng, o: SceneOptions): Scene {
  const { image, meanLuma } = drawBackground(rng, o.width, o.height);
  drawStrokes(rng, image, randInt(rng, 2, 8), meanLuma);
  const owner = new Int16Array(o.width * o.height).fill(-1);
  const placed: Array<{
    classIndex: number;
    opaque: number;
    box: [number, number, number, number];
  }> = [];
  const minSide = Math.min(o.width, o.height);
  const count = randInt(rng, 1, Math.min(8, Math.max(2, Math.round((o.width * o.height) / 3000))));
  for (let i = 0; i < count; i++) {
    const range = i === 0 && o.forceLarge && minSide >= 104 ? 'large' : pickRange(rng, minSide);
    const classIndex = randInt(rng, 0, o.classes.length - 1);
    const mask = renderObject(
      rng,
      o.classes[classIndex]!,
      sizeFor(rng, range, minSide, o.smallSide),
      o.split,
    );
    const at = findPlacement(rng, mask, owner, image, placed);
    if (!at) continue;
    composite(image, mask, at[0], at[1], contrastingColor(rng, meanLuma));
    const opaque = claimPixels(mask, at, owner, image.width, placed.length);
    placed.push({ classIndex, opaque, box: [at[0], at[1], mask.width, mask.height] });
  }
  return {
    image,
    objects: visibleBoxes(
      owner,
      image.width,
      image.height,
      placed.map((p) => p.classIndex),
    ),
  };
}

/** A top-left corner where the mask fits and hides at most 40% of any earlier object, or null after 30 tries. */
function findPlacement(
  rng: Rng,
  mask: Mask,
  owner: Int16Array,
  image: RgbImage,
  placed: Array<{ opaque: number; box: [number, number, number, number] }>,
): [number, number] | null {
  const [maxX, maxY] = [image.width - mask.width, image.height - mask.height];
  if (maxX < 0 || maxY < 0) return null;
  for (let attempt = 0; attempt < 30; attempt++) {
    let [x, y] = [randInt(rng, 0, maxX), randInt(rng, 0, maxY)];
    if (placed.length > 0 && rng() < 0.35) {
      const [ax, ay, aw, ah] = pick(rng, placed).box; // overlap an earlier object on purpose
      x = Math.min(maxX, Math.max(0, ax + randInt(rng, -mask.width + 4, aw - 4)));
      y = Math.min(maxY, Math.max(0, ay + randInt(rng, -mask.height + 4, ah - 4)));
    }
    const hidden = new Int32Array(placed.length);
    for (let my = 0; my < mask.height; my++) {
      for (let mx = 0; mx < mask.width; mx++) {
        const j = owner[(y + my) * image.width + x + mx]!;
        if (j >= 0 && mask.alpha[my * mask.width + mx]! >= OPAQUE) hidden[j]!++;
      }
    }
    if (placed.every((p, j) => p.opaque - hidden[j]! >= MIN_VISIBLE * p.opaque)) return [x, y];
  }
  return null;
}

/** Marks the mask's opaque pixels as owned by object `index`; returns how many. */
function claimPixels(
  mask: Mask,
  [x, y]: [number, number],
  owner: Int16Array,
  width: number,
  index: number,
): number {
  let count = 0;
  for (let my = 0; my < mask.height; my++) {
    for (let mx = 0; mx < mask.width; mx++) {
      if (mask.alpha[my * mask.width + mx]! < OPAQUE) continue;
      owner[(y + my) * width + x + mx] = index;
      count++;
    }
  }
  return count;
}

/** Tight boxes of each object's visible (owned) pixels; objects left with none are dropped. */
function visibleBoxes(
  owner: Int16Array,
  width: number,
  height: number,
  classIndex: number[],
): SceneObject[] {
  const ext = classIndex.map(() => [width, height, -1, -1]);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const e = ext[owner[y * width + x]!];
      if (!e) continue;
      [e[0], e[1], e[2], e[3]] = [
        Math.min(e[0]!, x),
        Math.min(e[1]!, y),
        Math.max(e[2]!, x),
        Math.max(e[3]!, y),
      ];
    }
  }
  return ext.flatMap(([x0, y0, x1, y1], i) =>
    x1! < 0
      ? []
      : [
          {
            classIndex: classIndex[i]!,
            bbox: [x0!, y0!, x1! - x0! + 1, y1! - y0! + 1] as SceneObject['bbox'],
          },
        ],
  );
}
