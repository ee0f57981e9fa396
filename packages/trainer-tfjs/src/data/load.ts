/**
 * Loads a COCO-format split (images directory + instances JSON) into a validated, indexed dataset. Every image file
 * is checked up front (exists, is PNG/JPEG, PNG header size matches), so a bad split fails before training
 * starts; pixel data is decoded lazily by `readImage` (or eagerly with `verify: 'decode'`).
 */
import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import type { CocoAnnotation, CocoCategory, CocoImage } from '@sweeps/coco-eval';
import { DatasetError } from './errors.ts';
import { decodeImage, probeImage } from './image-io.ts';
import type { RgbImage } from './raster.ts';
import { validateCocoFile } from './validate.ts';

/** Where a split lives. */
export interface LoadCocoOptions {
  imagesDir: string;
  annotationsFile: string;
  /** `header` (default): check each file's signature and PNG size; `decode`: decode every image now. */
  verify?: 'header' | 'decode';
}

/** A validated split. Labels are category indices in ascending category id order (MMDetection's cat2label). */
export interface CocoDataset {
  imagesDir: string;
  annotationsFile: string;
  images: CocoImage[];
  /** Sorted by id; `categories[label]`. */
  categories: CocoCategory[];
  labelOf: Map<number, number>;
  /** Image id -> its annotations (possibly none). */
  annotationsOf: Map<number, CocoAnnotation[]>;
  numAnnotations: number;
}

/** Reads, validates and indexes a split; throws `DatasetError` naming the first problem. */
export function loadCocoDataset(options: LoadCocoOptions): CocoDataset {
  const { imagesDir, annotationsFile } = options;
  const coco = validateCocoFile(readJson(annotationsFile), annotationsFile);
  const categories = [...coco.categories].sort((a, b) => a.id - b.id);
  const annotationsOf = new Map<number, CocoAnnotation[]>(coco.images.map((m) => [m.id, []]));
  for (const a of coco.annotations) annotationsOf.get(a.image_id)!.push(a);
  const dataset: CocoDataset = {
    imagesDir,
    annotationsFile,
    images: coco.images,
    categories,
    labelOf: new Map(categories.map((c, label) => [c.id, label])),
    annotationsOf,
    numAnnotations: coco.annotations.length,
  };
  for (const [i, image] of coco.images.entries()) {
    if (options.verify === 'decode') readImage(dataset, image);
    else checkImageHeader(dataset, image, i);
  }
  return dataset;
}

function readJson(file: string): unknown {
  if (!existsSync(file))
    throw new DatasetError('ANNOTATIONS_NOT_FOUND', `annotations file ${file} not found`);
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new DatasetError(
      'ANNOTATIONS_INVALID',
      `annotations file ${file} is not valid JSON: ${(err as Error).message}`,
    );
  }
}

function describe(dataset: CocoDataset, image: CocoImage): string {
  return `image ${join(dataset.imagesDir, image.file_name)} (id ${image.id})`;
}

function checkImageHeader(dataset: CocoDataset, image: CocoImage, index: number): void {
  const path = join(dataset.imagesDir, image.file_name);
  if (!existsSync(path)) {
    throw new DatasetError(
      'IMAGE_NOT_FOUND',
      `${describe(dataset, image)}, images[${index}] in ${dataset.annotationsFile}, not found`,
    );
  }
  const head = Buffer.alloc(32);
  const fd = openSync(path, 'r');
  let length: number;
  try {
    length = readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  const kind = probeImage(head.subarray(0, length));
  if (!kind)
    throw new DatasetError(
      'IMAGE_UNDECODABLE',
      `${describe(dataset, image)} is not a PNG or JPEG file`,
    );
  if (kind.width !== undefined) checkSize(dataset, image, kind.width, kind.height!);
}

function checkSize(dataset: CocoDataset, image: CocoImage, width: number, height: number): void {
  if (width !== image.width || height !== image.height) {
    throw new DatasetError(
      'IMAGE_SIZE_MISMATCH',
      `${describe(dataset, image)} is ${width}x${height} but ${dataset.annotationsFile} says ${image.width}x${image.height}`,
    );
  }
}

/** Decodes one image of the split to RGB; throws `DatasetError` if it is missing, damaged or the wrong size. */
export function readImage(dataset: CocoDataset, image: CocoImage): RgbImage {
  const path = join(dataset.imagesDir, image.file_name);
  if (!existsSync(path))
    throw new DatasetError('IMAGE_NOT_FOUND', `${describe(dataset, image)} not found`);
  let decoded: RgbImage;
  try {
    decoded = decodeImage(readFileSync(path));
  } catch (err) {
    throw new DatasetError(
      'IMAGE_UNDECODABLE',
      `${describe(dataset, image)} could not be decoded: ${(err as Error).message}`,
    );
  }
  checkSize(dataset, image, decoded.width, decoded.height);
  return decoded;
}
