import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluate } from './evaluate.ts';
import { summarize } from './summarize.ts';
import {
  FIXTURES,
  listCases,
  loadCase,
  maxDiff,
  readExpected,
  sumOverSecondAxis,
} from './test-support/fixtures.ts';

// case-1..3 come from ../shared/coco-reference (expected.json: pycocotools' stats rounded to 10 decimals).
// gen-* were made with scripts/gen_case.py (other seeds, sizes, category counts) and hand-* with
// scripts/make_hand_cases.py; every pycocotools.json was written by scripts/pycoco_expected.py from pycocotools
// itself (cocodataset/cocoapi built here), at full precision.

describe('reference cases from ../shared/coco-reference (expected.json)', () => {
  for (const name of listCases('case-')) {
    it(`${name}: all 12 numbers match pycocotools to 1e-9`, () => {
      const expected = JSON.parse(readFileSync(join(FIXTURES, name, 'expected.json'), 'utf8')) as {
        stats: number[];
      };
      const { gt, dts } = loadCase(name);
      const { stats } = evaluate(gt, dts);
      expect(stats).toHaveLength(12);
      stats.forEach((value, i) => {
        expect(Math.abs(value - expected.stats[i]!), `stat ${i}`).toBeLessThanOrEqual(1e-9);
      });
    });
  }
});

describe('every case against pycocotools.json (stats, printed lines, per category, arrays)', () => {
  for (const name of listCases()) {
    for (const file of ['pycocotools.json', 'pycocotools-nocats.json']) {
      const expected = readExpected(name, file);
      if (!expected) continue;
      it(`${name} ${file}`, () => {
        const { gt, dts } = loadCase(name);
        const result = evaluate(gt, dts, { useCats: expected.useCats });
        expect(maxDiff(result.stats, expected.stats)).toBeLessThanOrEqual(1e-12);
        expect(summarize(result)).toEqual(expected.lines);
        expect(result.perCategory.map((c) => c.categoryId)).toEqual(
          expected.perCategory.map((c) => c.categoryId),
        );
        result.perCategory.forEach((c, k) => {
          expect(
            maxDiff(c.stats, expected.perCategory[k]!.stats),
            `category ${c.categoryId}`,
          ).toBeLessThanOrEqual(1e-12);
        });
        expect(maxDiff(result.recall.data, expected.recall)).toBeLessThanOrEqual(1e-12);
        expect(
          maxDiff(
            sumOverSecondAxis(result.precision.data, result.precision.shape),
            expected.precisionSumOverR,
          ),
        ).toBeLessThanOrEqual(1e-9);
        expect(
          maxDiff(
            sumOverSecondAxis(result.scores.data, result.scores.shape),
            expected.scoresSumOverR,
          ),
        ).toBeLessThanOrEqual(1e-9);
      });
    }
  }
});
