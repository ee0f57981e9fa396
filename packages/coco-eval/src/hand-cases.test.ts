import { describe, expect, it } from 'vitest';
import { evaluate } from './evaluate.ts';
import { summarize } from './summarize.ts';
import { loadCase, readExpected } from './test-support/fixtures.ts';
import type { CocoGroundTruth } from './types.ts';

// Each hand-built case isolates one rule (see scripts/make_hand_cases.py); the numbers are pycocotools' own
// (pycocotools.json beside each case), and the assertions say in words what the rule does to them.

/** Precision 1 is 1 / (1 + np.spacing(1)) in pycocotools, so compare to 12 digits. */
function expectNear(values: number[], expected: number[]): void {
  expect(values).toHaveLength(expected.length);
  values.forEach((v, i) => {
    expect(v).toBeCloseTo(expected[i]!, 12);
  });
}

function run(name: string) {
  const { gt, dts } = loadCase(name);
  const result = evaluate(gt, dts);
  expect(result.stats).toEqual(readExpected(name, 'pycocotools.json')!.stats);
  return result;
}

describe('hand-built cases', () => {
  it('crowd: detections matched to a crowd region are ignored; IoU with it divides by the detection area', () => {
    const { stats, recall } = run('hand-crowd');
    // Two higher-scored detections lie inside the crowd box (IoU 1 by the crowd rule): ignored, so AP stays 1.
    expectNear([stats[0]], [1]);
    // With maxDets 1 the only kept detection is an ignored one: recall 0.
    expect(stats[6]).toBe(0);
    expect(recall.at(0, 0, 0, 1)).toBe(1);
  });

  it('ties: equal scores are ordered by image id, then by file order inside an image', () => {
    const { stats } = run('hand-ties');
    // Image 1's false positive (later in the file) sorts before image 2's true positive of the same score.
    expect(stats[1]).toBeCloseTo(0.4422442244, 9);
    // Inside image 3 the first detection in file order (IoU 0.75) takes the gt at IoU 0.5.
    expect(stats[0]).toBeCloseTo(0.3980198019801, 9);
  });

  it('unknown categories and images are skipped and counted', () => {
    const { stats, skipped } = run('hand-unknown');
    expectNear([stats[0]], [1]);
    expect(skipped).toEqual({ gtUnknownImage: 1, gtUnknownCategory: 1, dtUnknownCategory: 2 });
  });

  it('-1 where there is no ground truth: area ranges, categories', () => {
    const { stats, perCategory } = run('hand-minus-one');
    expect([stats[3], stats[5], stats[9], stats[11]]).toEqual([-1, -1, -1, -1]);
    expect(perCategory.map((c) => [c.categoryId, c.ap === -1])).toEqual([
      [1, false],
      [2, true],
    ]);
    expect(perCategory[1]!.stats.every((v) => v === -1)).toBe(true);
    expect(perCategory[0]!).toMatchObject({ gtCount: 2, dtCount: 3, name: 'cat1' });
  });

  it('area ranges use the gt area field, not the box', () => {
    const { stats } = run('hand-area-field');
    expectNear([stats[3], stats[4], stats[5]], [1, -1, -1]);
  });

  it('a gt with id 0 reads as unmatched, as in pycocotools', () => {
    const { stats } = run('hand-gt-id-zero');
    expect(stats[8]).toBe(0.5);
  });

  it('maxDets 1/10/100 per image and category', () => {
    const { stats } = run('hand-maxdets');
    expect([stats[6], stats[7], stats[8]]).toEqual([0, 0, 1]);
    expect(stats[0]).toBeCloseTo(1 / 11, 12);
  });
});

describe('cases pycocotools cannot run', () => {
  const gt: CocoGroundTruth = {
    images: [{ id: 1 }, { id: 2 }],
    categories: [{ id: 1, name: 'a' }],
    annotations: [
      { id: 1, image_id: 1, category_id: 1, bbox: [0, 0, 40, 40], area: 1600, iscrowd: 0 },
    ],
  };

  it('empty detections (pycocotools fails on an empty list): 0 where there is ground truth, -1 elsewhere', () => {
    const result = evaluate(gt, []);
    expect(result.stats).toEqual([0, 0, 0, -1, 0, -1, 0, 0, 0, -1, 0, -1]);
    expect(summarize(result)[0]).toBe(
      ' Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.000',
    );
  });

  it('no ground truth at all: every number is -1', () => {
    const result = evaluate({ ...gt, annotations: [] }, [
      { image_id: 2, category_id: 1, bbox: [0, 0, 5, 5], score: 1 },
    ]);
    expect(result.stats.every((v) => v === -1)).toBe(true);
    expect(result.precision.at(0, 0, 0, 0, 2)).toBe(-1);
  });

  it('rejects a detection on an image that is not in the ground truth', () => {
    expect(() =>
      evaluate(gt, [{ image_id: 3, category_id: 1, bbox: [0, 0, 5, 5], score: 1 }]),
    ).toThrow('detections[0] (image_id 3): image_id 3 is not an image of the ground truth');
  });

  it('exposes precision/recall arrays with their shapes and pycocotools-compatible params', () => {
    const result = evaluate(gt, [
      { image_id: 1, category_id: 1, bbox: [0, 0, 40, 40], score: 0.5 },
    ]);
    expect(result.precision.shape).toEqual([10, 101, 1, 4, 3]);
    expect(result.recall.shape).toEqual([10, 1, 4, 3]);
    expectNear([result.precision.at(9, 100, 0, 0, 2)], [1]);
    expect(result.scores.at(0, 0, 0, 0, 2)).toBe(0.5);
    expect(() => result.precision.at(10, 0, 0, 0, 0)).toThrow(RangeError);
    expect(result.params.maxDets).toEqual([1, 10, 100]);
  });

  it('custom options: maxDets are sorted and iou thresholds honoured', () => {
    const result = evaluate(
      gt,
      [{ image_id: 1, category_id: 1, bbox: [0, 0, 40, 30], score: 0.5 }],
      {
        maxDets: [100, 1, 10],
        iouThresholds: [0.5, 0.8],
      },
    );
    expect(result.params.maxDets).toEqual([1, 10, 100]);
    // IoU 0.75: a hit at 0.5, a miss at 0.8.
    expectNear([result.stats[0]], [0.5]);
    expect(result.stats[2]).toBe(-1); // 0.75 is not one of the thresholds
  });
});

describe('evaluate checks typed input too', () => {
  const gt: CocoGroundTruth = {
    images: [{ id: 1 }],
    categories: [{ id: 1, name: 'a' }],
    annotations: [
      { id: 7, image_id: 1, category_id: 1, bbox: [0, 0, 40, 40], area: 1600, iscrowd: 0 },
    ],
  };

  it('rejects a NaN score or an empty box from a diverged model, naming the entry', () => {
    expect(() =>
      evaluate(gt, [{ image_id: 1, category_id: 1, bbox: [0, 0, 5, 5], score: Number.NaN }]),
    ).toThrow('detections[0] (image_id 1): score must be a finite number, got NaN');
    expect(() =>
      evaluate(gt, [{ image_id: 1, category_id: 1, bbox: [0, 0, 5, 0], score: 1 }]),
    ).toThrow('detections[0] (image_id 1): bbox height must be > 0, got 0');
    const bad = { ...gt, annotations: [{ ...gt.annotations[0]!, area: Number.NaN }] };
    expect(() => evaluate(bad, [])).toThrow(
      'annotations[0] (id 7): area must be a finite number, got NaN',
    );
  });
});
