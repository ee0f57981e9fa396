import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { iterateBatches, type DetectionBatch } from './batches.ts';
import type { CocoFile } from '@sweeps/coco-eval';
import { generateDetectionSet } from './generate.ts';
import { encodePng } from './image-io.ts';
import { loadCocoDataset, readImage } from './load.ts';
import { IMAGENET_MEAN, IMAGENET_STD } from './transforms.ts';

const root = mkdtempSync(join(tmpdir(), 'sweeps-load-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let fixtureCount = 0;

/** A 64x32 black image with a red 16x8 rectangle at (4, 8), annotated as category 7. */
function writeFixture(edit: (coco: CocoFile, dir: string) => void = () => {}) {
  const dir = join(root, `fixture-${fixtureCount++}`);
  mkdirSync(join(dir, 'images'), { recursive: true });
  const data = new Uint8Array(64 * 32 * 3);
  for (let y = 8; y < 16; y++) for (let x = 4; x < 20; x++) data[(y * 64 + x) * 3] = 255;
  writeFileSync(join(dir, 'images', 'a.png'), encodePng({ width: 64, height: 32, data }));
  const coco: CocoFile = {
    images: [{ id: 5, file_name: 'a.png', width: 64, height: 32 }],
    annotations: [
      { id: 1, image_id: 5, category_id: 7, bbox: [4, 8, 16, 8], area: 128, iscrowd: 0 },
    ],
    categories: [
      { id: 3, name: 'other' },
      { id: 7, name: 'red' },
    ],
  };
  edit(coco, dir);
  writeFileSync(join(dir, 'instances.json'), JSON.stringify(coco));
  return { imagesDir: join(dir, 'images'), annotationsFile: join(dir, 'instances.json') };
}

function only(batches: Iterable<DetectionBatch>): DetectionBatch {
  const all = [...batches];
  expect(all).toHaveLength(1);
  return all[0]!;
}

/** Normalised RGB at (x, y) of image n of a batch. */
function pixel(b: DetectionBatch, n: number, x: number, y: number): number[] {
  const [, h, w] = b.shape;
  const o = ((n * h + y) * w + x) * 3;
  return [b.images[o]!, b.images[o + 1]!, b.images[o + 2]!];
}

const normalised = (rgb: number[]) => rgb.map((v, c) => (v - IMAGENET_MEAN[c]!) / IMAGENET_STD[c]!);

describe('loadCocoDataset + iterateBatches', { timeout: 30_000 }, () => {
  it('round-trips a generated set: every image, box and label, boxes scaled, padded to 32', () => {
    const set = generateDetectionSet({
      seed: 5,
      outDir: join(root, 'gen'),
      trainImages: 10,
      valImages: 3,
    });
    const ds = loadCocoDataset({ ...set.splits.train, verify: 'decode' });
    expect(ds.images).toHaveLength(10);
    expect(ds.categories.map((c) => c.name)).toEqual(set.classes);
    const batches = [...iterateBatches(ds, { batchSize: 4, scale: 128 })];
    expect(batches.map((b) => b.shape[0])).toEqual([4, 4, 2]);
    for (const b of batches) {
      expect(b.shape[1] % 32).toBe(0);
      expect(b.shape[2] % 32).toBe(0);
      expect(b.images.length).toBe(b.shape.reduce((p, q) => p * q, 1));
      b.imageIds.forEach((id, n) => {
        const image = ds.images.find((m) => m.id === id)!;
        const anns = ds.annotationsOf.get(id)!;
        const [sx, sy] = b.scaleFactors[n]!;
        expect(Math.max(...b.imgShapes[n]!)).toBe(128);
        expect(b.imgShapes[n]).toEqual([
          Math.round(image.height * sy),
          Math.round(image.width * sx),
        ]);
        expect([...b.labels[n]!]).toEqual(anns.map((a) => a.category_id - 1));
        const [x, y, w, h] = anns[0]!.bbox;
        expect([...b.boxes[n]!.subarray(0, 4)]).toEqual(
          [x * sx, y * sy, (x + w) * sx, (y + h) * sy].map(Math.fround),
        );
      });
    }
  });

  it('normalises with ImageNet mean/std, keeps pixels at scale 1, pads with zeros', () => {
    const ds = loadCocoDataset(writeFixture());
    expect(ds.labelOf.get(7)).toBe(1);
    const b = only(iterateBatches(ds, { batchSize: 2, scale: 64 }));
    expect(b.shape).toEqual([1, 32, 64, 3]);
    expect([...b.boxes[0]!]).toEqual([4, 8, 20, 16]);
    expect(pixel(b, 0, 10, 10)).toEqual(normalised([255, 0, 0]).map(Math.fround));
    expect(pixel(b, 0, 30, 10)).toEqual(normalised([0, 0, 0]).map(Math.fround));
    const up = only(iterateBatches(ds, { batchSize: 1, scale: 100 }));
    expect(up.shape).toEqual([1, 64, 128, 3]);
    expect(up.imgShapes[0]).toEqual([50, 100]);
    expect(pixel(up, 0, 110, 20)).toEqual([0, 0, 0]);
    expect(pixel(up, 0, 10, 55)).toEqual([0, 0, 0]);
  });

  it('flips image and boxes together: x1 = W - x2, x2 = W - x1', () => {
    const b = only(
      iterateBatches(loadCocoDataset(writeFixture()), { batchSize: 1, scale: 64, flipProb: 1 }),
    );
    expect(b.flipped).toEqual([true]);
    expect([...b.boxes[0]!]).toEqual([44, 8, 60, 16]);
    expect(pixel(b, 0, 44, 8)).toEqual(pixel(b, 0, 59, 15));
    expect(pixel(b, 0, 50, 10)).toEqual(normalised([255, 0, 0]).map(Math.fround));
    expect(pixel(b, 0, 10, 10)).toEqual(normalised([0, 0, 0]).map(Math.fround));
    expect(pixel(b, 0, 43, 10)).toEqual(normalised([0, 0, 0]).map(Math.fround));
  });

  it('shuffles and flips from the seed: same seed and epoch, same batches; about half flipped', () => {
    const many = writeFixture((coco) => {
      coco.images = Array.from({ length: 40 }, (_, i) => ({
        id: i + 1,
        file_name: 'a.png',
        width: 64,
        height: 32,
      }));
      coco.annotations = coco.images.map((m) => ({
        id: m.id,
        image_id: m.id,
        category_id: 7,
        bbox: [4, 8, 16, 8],
        area: 128,
        iscrowd: 0,
      }));
    });
    const ds = loadCocoDataset(many);
    const run = (epoch: number) =>
      [
        ...iterateBatches(ds, {
          batchSize: 40,
          scale: 64,
          flipProb: 0.5,
          shuffle: true,
          seed: 1,
          epoch,
        }),
      ][0]!;
    const [a, b, c] = [run(0), run(0), run(1)];
    expect(b.imageIds).toEqual(a.imageIds);
    expect(b.flipped).toEqual(a.flipped);
    expect(c.imageIds).not.toEqual(a.imageIds);
    const flips = a.flipped.filter(Boolean).length;
    expect(flips).toBeGreaterThan(10);
    expect(flips).toBeLessThan(30);
    a.flipped.forEach((f, n) => {
      expect(a.boxes[n]![0]).toBe(f ? 44 : 4);
    });
  });
});

describe('bad input fails with a message naming the cause', () => {
  const load = (edit: (coco: CocoFile, dir: string) => void) => () =>
    loadCocoDataset(writeFixture(edit));

  it.each([
    [
      'missing image file',
      (c: CocoFile) => void (c.images[0]!.file_name = 'gone.png'),
      /images[/\\]gone\.png \(id 5\), images\[0\] in .*instances\.json, not found/,
    ],
    [
      'not an image',
      (_c: CocoFile, d: string) => writeFileSync(join(d, 'images', 'a.png'), 'hello'),
      /a\.png \(id 5\) is not a PNG or JPEG file/,
    ],
    [
      'wrong size',
      (c: CocoFile) => void (c.images[0]!.width = 65),
      /a\.png \(id 5\) is 64x32 but .* says 65x32/,
    ],
    [
      'unknown image_id',
      (c: CocoFile) => void (c.annotations[0]!.image_id = 99),
      /annotations\[0\] \(id 1\): image_id 99 names no image/,
    ],
    [
      'unknown category_id',
      (c: CocoFile) => void (c.annotations[0]!.category_id = 4),
      /annotations\[0\] \(id 1\): category_id 4 names no category/,
    ],
    [
      'empty split',
      (c: CocoFile) => void ((c.images = []), (c.annotations = [])),
      /empty split: no images/,
    ],
    [
      'no annotations',
      (c: CocoFile) => void (c.annotations = []),
      /empty split: no \(non-crowd\) annotations/,
    ],
    [
      'duplicate image id',
      (c: CocoFile) => void c.images.push({ ...c.images[0]! }),
      /images\[1\]: duplicate id 5/,
    ],
    [
      'bad bbox',
      (c: CocoFile) => void (c.annotations[0]!.bbox = [1, 2, 0, 3]),
      /annotations\[0\] \(id 1\): bbox width and height must be > 0/,
    ],
    [
      'escaping file name',
      (c: CocoFile) => void (c.images[0]!.file_name = '../x.png'),
      /images\[0\] \(id 5\): "file_name" must be a relative path/,
    ],
  ])('%s', (_name, edit, message) => {
    expect(load(edit)).toThrow(message);
  });

  it('missing or unparsable annotations file', () => {
    expect(() =>
      loadCocoDataset({ imagesDir: root, annotationsFile: join(root, 'none.json') }),
    ).toThrow(/annotations file .*none\.json not found/);
    const bad = join(root, 'bad.json');
    writeFileSync(bad, '{"images": [');
    expect(() => loadCocoDataset({ imagesDir: root, annotationsFile: bad })).toThrow(
      /bad\.json is not valid JSON/,
    );
    writeFileSync(bad, '{"images": {}}');
    expect(() => loadCocoDataset({ imagesDir: root, annotationsFile: bad })).toThrow(
      /bad\.json: "images" must be an array/,
    );
  });

  it('a PNG damaged after its header: caught by verify "decode" and by the iterator', () => {
    const paths = writeFixture((_c, d) => {
      const png = readFileSync(join(d, 'images', 'a.png'));
      writeFileSync(join(d, 'images', 'a.png'), png.subarray(0, 40));
    });
    const ds = loadCocoDataset(paths);
    expect(() => [...iterateBatches(ds, { batchSize: 1 })]).toThrow(
      /a\.png \(id 5\) could not be decoded/,
    );
    expect(() => loadCocoDataset({ ...paths, verify: 'decode' })).toThrow(/could not be decoded/);
    expect(() => readImage(ds, ds.images[0]!)).toThrow(
      expect.objectContaining({ code: 'IMAGE_UNDECODABLE' }),
    );
  });
});
