/**
 * Hand validation of a COCO instances file: structure, types, unique ids, references and a non-empty split.
 * Errors name the file, the first offending entry (`annotations[12] (id 13)`) and what is wrong with it.
 */
import type { CocoAnnotation, CocoCategory, CocoFile, CocoImage } from '@sweeps/coco-eval';
import { DatasetError, type DatasetErrorCode } from './errors.ts';

type Json = Record<string, unknown>;

const isId = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isPositiveInt = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 0;
const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Validates parsed JSON as a COCO instances file; `source` (the file path) prefixes every message. */
export function validateCocoFile(json: unknown, source: string): CocoFile {
  const fail = (code: DatasetErrorCode, message: string): never => {
    throw new DatasetError(code, `${source}: ${message}`);
  };
  if (!isObject(json))
    return fail(
      'ANNOTATIONS_INVALID',
      'expected a JSON object with images, annotations and categories',
    );
  for (const key of ['images', 'annotations', 'categories'] as const) {
    if (!Array.isArray(json[key])) fail('ANNOTATIONS_INVALID', `"${key}" must be an array`);
  }
  const categories = (json.categories as unknown[]).map((c, i) => checkCategory(c, i, fail));
  const images = (json.images as unknown[]).map((m, i) => checkImage(m, i, fail));
  if (categories.length === 0) fail('EMPTY_SPLIT', 'no categories');
  if (images.length === 0) fail('EMPTY_SPLIT', 'empty split: no images');
  const categoryIds = uniqueIds(categories, 'categories', fail);
  const imageIds = uniqueIds(images, 'images', fail);
  const annotations = (json.annotations as unknown[]).map((a, i) => checkAnnotation(a, i, fail));
  uniqueIds(annotations, 'annotations', fail);
  annotations.forEach((a, i) => {
    const where = `annotations[${i}] (id ${a.id})`;
    if (!imageIds.has(a.image_id))
      fail('UNKNOWN_IMAGE', `${where}: image_id ${a.image_id} names no image in "images"`);
    if (!categoryIds.has(a.category_id)) {
      fail(
        'UNKNOWN_CATEGORY',
        `${where}: category_id ${a.category_id} names no category in "categories"`,
      );
    }
  });
  if (!annotations.some((a) => a.iscrowd === 0))
    fail('EMPTY_SPLIT', 'empty split: no (non-crowd) annotations');
  return { images, annotations, categories };
}

type Fail = (code: DatasetErrorCode, message: string) => never;

function uniqueIds(items: Array<{ id: number }>, list: string, fail: Fail): Set<number> {
  const seen = new Set<number>();
  items.forEach((item, i) => {
    if (seen.has(item.id)) fail('DUPLICATE_ID', `${list}[${i}]: duplicate id ${item.id}`);
    seen.add(item.id);
  });
  return seen;
}

function checkCategory(c: unknown, i: number, fail: Fail): CocoCategory {
  if (!isObject(c) || !isId(c.id) || typeof c.name !== 'string' || c.name === '') {
    return fail(
      'ANNOTATIONS_INVALID',
      `categories[${i}]: needs an integer "id" >= 0 and a non-empty "name"`,
    );
  }
  return {
    id: c.id,
    name: c.name,
    ...(typeof c.supercategory === 'string' ? { supercategory: c.supercategory } : {}),
  };
}

function checkImage(m: unknown, i: number, fail: Fail): CocoImage {
  if (!isObject(m) || !isId(m.id))
    return fail('ANNOTATIONS_INVALID', `images[${i}]: needs an integer "id" >= 0`);
  const where = `images[${i}] (id ${m.id})`;
  const name = m.file_name;
  if (
    typeof name !== 'string' ||
    name === '' ||
    name.startsWith('/') ||
    name.split(/[\\/]/).includes('..')
  ) {
    return fail(
      'ANNOTATIONS_INVALID',
      `${where}: "file_name" must be a relative path inside the images directory`,
    );
  }
  if (!isPositiveInt(m.width) || !isPositiveInt(m.height)) {
    return fail('ANNOTATIONS_INVALID', `${where}: "width" and "height" must be positive integers`);
  }
  return { id: m.id, file_name: name, width: m.width, height: m.height };
}

function checkAnnotation(a: unknown, i: number, fail: Fail): CocoAnnotation {
  if (!isObject(a) || !isId(a.id))
    return fail('ANNOTATIONS_INVALID', `annotations[${i}]: needs an integer "id" >= 0`);
  const where = `annotations[${i}] (id ${a.id})`;
  if (!isId(a.image_id) || !isId(a.category_id)) {
    return fail(
      'ANNOTATIONS_INVALID',
      `${where}: "image_id" and "category_id" must be integers >= 0`,
    );
  }
  const bbox = a.bbox;
  if (
    !Array.isArray(bbox) ||
    bbox.length !== 4 ||
    !bbox.every((v) => typeof v === 'number' && Number.isFinite(v))
  ) {
    return fail('ANNOTATIONS_INVALID', `${where}: "bbox" must be [x, y, width, height] numbers`);
  }
  const [x, y, w, h] = bbox as [number, number, number, number];
  if (!(w > 0 && h > 0))
    return fail(
      'ANNOTATIONS_INVALID',
      `${where}: bbox width and height must be > 0, got ${w}x${h}`,
    );
  if (a.iscrowd !== undefined && a.iscrowd !== 0 && a.iscrowd !== 1) {
    return fail('ANNOTATIONS_INVALID', `${where}: "iscrowd" must be 0 or 1`);
  }
  const area = typeof a.area === 'number' && Number.isFinite(a.area) ? a.area : w * h;
  return {
    id: a.id,
    image_id: a.image_id,
    category_id: a.category_id,
    bbox: [x, y, w, h],
    area,
    iscrowd: a.iscrowd === 1 ? 1 : 0,
  };
}
