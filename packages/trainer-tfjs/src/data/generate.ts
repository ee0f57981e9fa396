/**
 * Writes a COCO-format detection set offline, deterministically per seed:
 * `outDir/{train,val}/NNNNNN.png` and `outDir/annotations/instances_{train,val}.json`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALL_CLASSES, DEFAULT_CLASSES, DIGIT_CLASSES } from './classes.ts';
import type { CocoAnnotation, CocoFile, CocoImage } from '@sweeps/coco-eval';
import { encodePng } from './image-io.ts';
import { createRng, mixSeed, randInt } from './rng.ts';
import { composeScene } from './scene.ts';

/** Options of `generateDetectionSet`; defaults give the demo set (about 20 s to write on one core). */
export interface GenerateOptions {
  seed: number;
  outDir: string;
  /** Default 1,000. */
  trainImages?: number;
  /** Default 200. */
  valImages?: number;
  /** Smallest image side; default 64. */
  minSize?: number;
  /** Largest image side; default 256. Large objects (>= 96^2) need sides >= 104. */
  maxSize?: number;
  /** Class names from `ALL_CLASSES`, at least 1 (the issue asks for >= 5); default `DEFAULT_CLASSES`. */
  classes?: readonly string[];
  /** Side range `[min, max]` of small objects (COCO-small: area < 32^2); default [8, 26]. Larger mins make an easier set. */
  smallObjectSide?: readonly [number, number];
}

/** What was written, per split. */
export interface GeneratedSet {
  outDir: string;
  classes: string[];
  splits: Record<
    'train' | 'val',
    { imagesDir: string; annotationsFile: string; images: number; annotations: number }
  >;
}

const SPLITS = ['train', 'val'] as const;

/** Generates and writes both splits; returns where they are. Same options, same bytes. */
export function generateDetectionSet(options: GenerateOptions): GeneratedSet {
  const o = resolveOptions(options);
  const result: GeneratedSet = {
    outDir: o.outDir,
    classes: [...o.classes],
    splits: {} as GeneratedSet['splits'],
  };
  mkdirSync(join(o.outDir, 'annotations'), { recursive: true });
  for (const [splitIndex, split] of SPLITS.entries()) {
    const imagesDir = join(o.outDir, split);
    mkdirSync(imagesDir, { recursive: true });
    const coco = generateSplit(o, split, splitIndex, imagesDir);
    const annotationsFile = join(o.outDir, 'annotations', `instances_${split}.json`);
    writeFileSync(annotationsFile, `${JSON.stringify(coco)}\n`);
    result.splits[split] = {
      imagesDir,
      annotationsFile,
      images: coco.images.length,
      annotations: coco.annotations.length,
    };
  }
  return result;
}

function resolveOptions(options: GenerateOptions): Required<GenerateOptions> {
  const o = {
    trainImages: 1000,
    valImages: 200,
    minSize: 64,
    maxSize: 256,
    classes: DEFAULT_CLASSES,
    smallObjectSide: [8, 26] as const,
    ...options,
  };
  const [smallMin, smallMax] = o.smallObjectSide;
  if (
    !(
      Number.isInteger(smallMin) &&
      Number.isInteger(smallMax) &&
      smallMin >= 2 &&
      smallMin <= smallMax &&
      smallMax <= 31
    )
  ) {
    throw new RangeError(
      `need 2 <= smallObjectSide[0] <= smallObjectSide[1] <= 31 (integers), got ${smallMin}..${smallMax}`,
    );
  }
  const unknown = o.classes.filter((c) => !ALL_CLASSES.includes(c));
  if (unknown.length > 0)
    throw new RangeError(
      `unknown classes ${unknown.join(', ')} (known: ${ALL_CLASSES.join(', ')})`,
    );
  if (o.classes.length === 0 || new Set(o.classes).size !== o.classes.length) {
    throw new RangeError('classes must be a non-empty list without duplicates');
  }
  if (
    !(Number.isInteger(o.minSize) && o.minSize >= 48 && o.maxSize >= o.minSize && o.maxSize <= 4096)
  ) {
    throw new RangeError(`need 48 <= minSize <= maxSize <= 4096, got ${o.minSize}..${o.maxSize}`);
  }
  for (const key of ['trainImages', 'valImages', 'seed'] as const) {
    if (!Number.isInteger(o[key]) || o[key] < 0)
      throw new RangeError(`${key} must be a non-negative integer`);
  }
  return o;
}

/** One split: every third image holds a large object, so all COCO area ranges occur in any split of >= 3. */
function generateSplit(
  o: Required<GenerateOptions>,
  split: 'train' | 'val',
  splitIndex: number,
  dir: string,
): CocoFile {
  const images: CocoImage[] = [];
  const annotations: CocoAnnotation[] = [];
  const count = split === 'train' ? o.trainImages : o.valImages;
  for (let i = 0; i < count; i++) {
    const rng = createRng(mixSeed(o.seed, splitIndex, i));
    const forceLarge = i % 3 === 2 && o.maxSize >= 112;
    const low = forceLarge ? Math.max(o.minSize, Math.min(128, o.maxSize)) : o.minSize;
    const [width, height] = [randInt(rng, low, o.maxSize), randInt(rng, low, o.maxSize)];
    const scene = composeScene(rng, {
      width,
      height,
      classes: o.classes,
      split,
      forceLarge,
      smallSide: o.smallObjectSide,
    });
    const id = i + 1;
    const fileName = `${String(id).padStart(6, '0')}.png`;
    writeFileSync(join(dir, fileName), encodePng(scene.image));
    images.push({ id, file_name: fileName, width, height });
    for (const obj of scene.objects) {
      const [, , w, h] = obj.bbox;
      const category_id = obj.classIndex + 1;
      annotations.push({
        id: annotations.length + 1,
        image_id: id,
        category_id,
        bbox: obj.bbox,
        area: w * h,
        iscrowd: 0,
      });
    }
  }
  const categories = o.classes.map((name, k) => ({
    id: k + 1,
    name,
    supercategory: DIGIT_CLASSES.includes(name) ? 'digit' : 'shape',
  }));
  const info = {
    description: `sweeps generated detection set (${split})`,
    seed: o.seed,
    version: '1',
  };
  return { info, licenses: [], images, annotations, categories };
}
