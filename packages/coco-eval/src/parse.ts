import { CocoInputError } from './errors.ts';
import type {
  CocoAnnotation,
  CocoCategory,
  CocoDetection,
  CocoGroundTruth,
  CocoImage,
} from './types.ts';

// Validation is written by hand rather than with zod: it runs over ~250k detections per evaluation (a schema
// library allocates per field and costs a noticeable share of the time budget), and a hand-written check can name
// the entry the way users look for it (`detections[7] (image_id 3)`), not just a path.

type Entry = Record<string, unknown>;
type Box = [number, number, number, number];

function show(value: unknown): string {
  if (typeof value === 'number') return String(value); // NaN and Infinity, which JSON would print as null
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function fail(where: string, path: string, message: string): never {
  throw new CocoInputError(`${where}: ${message}`, path);
}

function isEntry(value: unknown): value is Entry {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readNumber(entry: Entry, key: string, where: string, path: string): number {
  const value = entry[key];
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (value === undefined) fail(where, `${path}.${key}`, `${key} is missing`);
  return fail(where, `${path}.${key}`, `${key} must be a finite number, got ${show(value)}`);
}

function readBox(entry: Entry, where: string, path: string): Box {
  const box = entry.bbox;
  if (box === undefined) fail(where, `${path}.bbox`, 'bbox is missing');
  if (!Array.isArray(box) || box.length !== 4) {
    fail(where, `${path}.bbox`, `bbox must be [x, y, width, height], got ${show(box)}`);
  }
  for (let i = 0; i < 4; i++) {
    const v: unknown = box[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      fail(where, `${path}.bbox`, `bbox must hold 4 finite numbers, got ${show(box)}`);
    }
  }
  if (box[2] <= 0) fail(where, `${path}.bbox`, `bbox width must be > 0, got ${box[2]}`);
  if (box[3] <= 0) fail(where, `${path}.bbox`, `bbox height must be > 0, got ${box[3]}`);
  return box as Box;
}

function readArray(doc: Entry, key: string): unknown[] {
  const value = doc[key];
  if (value === undefined) throw new CocoInputError(`ground truth: "${key}" is missing`, key);
  if (!Array.isArray(value))
    throw new CocoInputError(`ground truth: "${key}" must be an array, got ${show(value)}`, key);
  return value;
}

function entryAt(list: readonly unknown[], i: number, path: string): Entry {
  const entry = list[i];
  if (!isEntry(entry)) fail(path, path, `must be an object, got ${show(entry)}`);
  return entry;
}

function parseImages(list: unknown[]): Array<Pick<CocoImage, 'id'>> {
  return list.map((_, i) => {
    const path = `images[${i}]`;
    return { id: readNumber(entryAt(list, i, path), 'id', path, path) };
  });
}

function parseCategories(list: unknown[]): CocoCategory[] {
  return list.map((_, i) => {
    const path = `categories[${i}]`;
    const entry = entryAt(list, i, path);
    const id = readNumber(entry, 'id', path, path);
    const name = entry.name ?? String(id);
    if (typeof name !== 'string')
      fail(`${path} (id ${id})`, `${path}.name`, `name must be a string, got ${show(name)}`);
    return { id, name };
  });
}

/** The format's 0 or 1; a boolean is read as pycocotools reads it (truthy). */
function readCrowd(entry: Entry, where: string, path: string): 0 | 1 {
  const value = entry.iscrowd;
  if (value === 0 || value === 1 || typeof value === 'boolean')
    return value === 1 || value === true ? 1 : 0;
  if (value === undefined) fail(where, `${path}.iscrowd`, 'iscrowd is missing');
  return fail(where, `${path}.iscrowd`, `iscrowd must be 0 or 1, got ${show(value)}`);
}

/**
 * Checks `list[i]` as a ground-truth annotation and returns it typed (all but the duplicate-id rule).
 * @throws CocoInputError naming the entry.
 */
export function parseAnnotationAt(list: readonly unknown[], i: number): CocoAnnotation {
  const path = `annotations[${i}]`;
  const entry = entryAt(list, i, path);
  const id = readNumber(entry, 'id', path, path);
  const where = `${path} (id ${id})`;
  return {
    id,
    image_id: readNumber(entry, 'image_id', where, path),
    category_id: readNumber(entry, 'category_id', where, path),
    bbox: readBox(entry, where, path),
    area: readNumber(entry, 'area', where, path),
    iscrowd: readCrowd(entry, where, path),
  };
}

function parseAnnotations(list: unknown[]): CocoAnnotation[] {
  const seen = new Map<number, number>();
  return list.map((_, i) => {
    const ann = parseAnnotationAt(list, i);
    const first = seen.get(ann.id);
    if (first !== undefined)
      fail(
        `annotations[${i}] (id ${ann.id})`,
        `annotations[${i}].id`,
        `duplicate id, first used by annotations[${first}]`,
      );
    seen.set(ann.id, i);
    return ann;
  });
}

/**
 * Checks `list[i]` as a detection; with `imageIds`, also that its image is one of them.
 * @throws CocoInputError naming the entry.
 */
export function checkDetectionAt(
  list: readonly unknown[],
  i: number,
  imageIds?: ReadonlySet<number>,
): void {
  const path = `detections[${i}]`;
  const entry = entryAt(list, i, path);
  const imageId = readNumber(entry, 'image_id', path, path);
  const where = `${path} (image_id ${imageId})`;
  readNumber(entry, 'category_id', where, path);
  readBox(entry, where, path);
  readNumber(entry, 'score', where, path);
  if (imageIds && !imageIds.has(imageId)) {
    fail(where, `${path}.image_id`, `image_id ${imageId} is not an image of the ground truth`);
  }
}

/**
 * Checks a parsed ground-truth document (COCO instances format) and returns the fields evaluation uses.
 * @throws CocoInputError naming the first offending entry.
 */
export function parseGroundTruth(json: unknown): CocoGroundTruth {
  if (!isEntry(json))
    throw new CocoInputError(`ground truth must be a JSON object, got ${show(json)}`);
  return {
    images: parseImages(readArray(json, 'images')),
    categories: parseCategories(readArray(json, 'categories')),
    annotations: parseAnnotations(readArray(json, 'annotations')),
  };
}

/**
 * Checks a parsed results document (an array of `{image_id, category_id, bbox, score}`) and returns it without
 * copying. With `gt`, also checks that every image id is one of the ground truth's (pycocotools asserts it).
 * @throws CocoInputError naming the first offending entry.
 */
export function parseDetections(json: unknown, gt?: CocoGroundTruth): CocoDetection[] {
  if (!Array.isArray(json))
    throw new CocoInputError(`detections must be a JSON array, got ${show(json)}`);
  const imageIds = gt ? new Set(gt.images.map((image) => image.id)) : undefined;
  for (let i = 0; i < json.length; i++) checkDetectionAt(json, i, imageIds);
  return json as CocoDetection[];
}
