import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CocoFile } from '@sweeps/coco-eval';
import { generateDetectionSet } from './generate.ts';
import { decodeImage } from './image-io.ts';

const root = mkdtempSync(join(tmpdir(), 'sweeps-gen-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const base = { trainImages: 18, valImages: 6, minSize: 64, maxSize: 256 };
const dirA = join(root, 'a');
const dirB = join(root, 'b');
const dirC = join(root, 'c');

/** Every file under `dir`, relative path -> bytes. */
function filesOf(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const sub of ['train', 'val', 'annotations']) {
    for (const f of readdirSync(join(dir, sub)).sort())
      out.set(`${sub}/${f}`, readFileSync(join(dir, sub, f)));
  }
  return out;
}

function coco(dir: string, split: 'train' | 'val'): CocoFile {
  return JSON.parse(
    readFileSync(join(dir, 'annotations', `instances_${split}.json`), 'utf8'),
  ) as CocoFile;
}

function areaRange(area: number): string {
  return area < 32 ** 2 ? 'small' : area < 96 ** 2 ? 'medium' : 'large';
}

function iou(a: number[], b: number[]): number {
  const w = Math.min(a[0]! + a[2]!, b[0]! + b[2]!) - Math.max(a[0]!, b[0]!);
  const h = Math.min(a[1]! + a[3]!, b[1]! + b[3]!) - Math.max(a[1]!, b[1]!);
  const inter = Math.max(0, w) * Math.max(0, h);
  return inter / (a[2]! * a[3]! + b[2]! * b[3]! - inter);
}

describe('generateDetectionSet', { timeout: 30_000 }, () => {
  beforeAll(() => {
    generateDetectionSet({ ...base, seed: 3, outDir: dirA });
    generateDetectionSet({ ...base, seed: 3, outDir: dirB });
    generateDetectionSet({ ...base, trainImages: 3, valImages: 0, seed: 4, outDir: dirC });
  }, 60_000); // ~1 s idle; generous for busy CI cores

  it('is deterministic per seed: same bytes for every file, different bytes for another seed', () => {
    const [a, b] = [filesOf(dirA), filesOf(dirB)];
    expect([...a.keys()]).toEqual([...b.keys()]);
    expect(a.size).toBe(18 + 6 + 2);
    for (const [name, bytes] of a) expect(bytes.equals(b.get(name)!), name).toBe(true);
    expect(readFileSync(join(dirC, 'train', '000001.png')).equals(a.get('train/000001.png')!)).toBe(
      false,
    );
  });

  it.each(['train', 'val'] as const)(
    '%s: COCO format, >= 5 classes, sizes 64..256, all area ranges',
    (split) => {
      const c = coco(dirA, split);
      expect(c.categories.length).toBeGreaterThanOrEqual(5);
      expect(c.images).toHaveLength(split === 'train' ? 18 : 6);
      const byId = new Map(c.images.map((m) => [m.id, m]));
      for (const m of c.images) {
        for (const side of [m.width, m.height])
          expect(side >= 64 && side <= 256, `${side}`).toBe(true);
        const png = decodeImage(readFileSync(join(dirA, split, m.file_name)));
        expect([png.width, png.height]).toEqual([m.width, m.height]);
      }
      expect(new Set(c.annotations.map((a) => a.id)).size).toBe(c.annotations.length);
      for (const a of c.annotations) {
        const m = byId.get(a.image_id)!;
        const [x, y, w, h] = a.bbox;
        expect(x >= 0 && y >= 0 && w > 0 && h > 0 && x + w <= m.width && y + h <= m.height).toBe(
          true,
        );
        expect(a.area).toBe(w * h);
        expect(a.iscrowd).toBe(0);
      }
      expect(new Set(c.annotations.map((a) => areaRange(a.area)))).toEqual(
        new Set(['small', 'medium', 'large']),
      );
    },
  );

  it('uses every class, with clutter: several objects per image and partial overlaps', () => {
    const c = coco(dirA, 'train');
    expect(new Set(c.annotations.map((a) => a.category_id))).toEqual(
      new Set(c.categories.map((k) => k.id)),
    );
    expect(c.annotations.length / c.images.length).toBeGreaterThan(2);
    const overlapping = c.images.filter((m) => {
      const boxes = c.annotations.filter((a) => a.image_id === m.id).map((a) => a.bbox);
      return boxes.some((b, i) => boxes.slice(i + 1).some((o) => iou(b, o) > 0));
    });
    expect(overlapping.length).toBeGreaterThan(0);
  });

  it('refuses unknown classes and bad sizes', () => {
    const outDir = join(root, 'bad');
    expect(() => generateDetectionSet({ seed: 0, outDir, classes: ['circle', 'hexagon'] })).toThrow(
      /unknown classes hexagon/,
    );
    expect(() => generateDetectionSet({ seed: 0, outDir, minSize: 300, maxSize: 256 })).toThrow(
      /minSize <= maxSize/,
    );
  });
});
