import { describe, expect, it } from 'vitest';
import { CocoInputError } from './errors.ts';
import { parseDetections, parseGroundTruth } from './parse.ts';

const ann = (over: Record<string, unknown> = {}) => ({
  id: 42,
  image_id: 1,
  category_id: 1,
  bbox: [0, 0, 10, 10],
  area: 100,
  iscrowd: 0,
  ...over,
});
const gtDoc = (annotations: unknown[]) => ({
  images: [{ id: 1 }],
  categories: [{ id: 1, name: 'a' }],
  annotations,
});
const det = (over: Record<string, unknown> = {}) => ({
  image_id: 1,
  category_id: 1,
  bbox: [0, 0, 10, 10],
  score: 0.5,
  ...over,
});

function errorOf(fn: () => unknown): CocoInputError {
  try {
    fn();
  } catch (err) {
    if (err instanceof CocoInputError) return err;
    throw err;
  }
  throw new Error('expected a CocoInputError');
}

describe('parseGroundTruth', () => {
  it('returns typed data, crowd flags as booleans, names defaulting to the id', () => {
    const gt = parseGroundTruth({
      images: [{ id: 1, file_name: 'x' }],
      categories: [{ id: 3 }],
      annotations: [ann({ iscrowd: 1 })],
    });
    expect(gt.categories).toEqual([{ id: 3, name: '3' }]);
    expect(gt.annotations[0]).toEqual({
      id: 42,
      image_id: 1,
      category_id: 1,
      bbox: [0, 0, 10, 10],
      area: 100,
      iscrowd: 1,
    });
  });

  const bad: [string, unknown, string, string][] = [
    ['not an object', [1], 'ground truth must be a JSON object, got [1]', ''],
    [
      'missing images',
      { annotations: [], categories: [] },
      'ground truth: "images" is missing',
      'images',
    ],
    [
      'annotations not an array',
      { images: [], categories: [], annotations: {} },
      'ground truth: "annotations" must be an array, got {}',
      'annotations',
    ],
    [
      'image without id',
      { images: [{}], categories: [], annotations: [] },
      'images[0]: id is missing',
      'images[0].id',
    ],
    [
      'zero width',
      gtDoc([ann(), ann({ id: 43, bbox: [1, 2, 0, 5] })]),
      'annotations[1] (id 43): bbox width must be > 0, got 0',
      'annotations[1].bbox',
    ],
    [
      'negative height',
      gtDoc([ann({ bbox: [1, 2, 3, -1] })]),
      'annotations[0] (id 42): bbox height must be > 0, got -1',
      'annotations[0].bbox',
    ],
    [
      'short bbox',
      gtDoc([ann({ bbox: [1, 2, 3] })]),
      'annotations[0] (id 42): bbox must be [x, y, width, height], got [1,2,3]',
      'annotations[0].bbox',
    ],
    [
      'string in bbox',
      gtDoc([ann({ bbox: [1, '2', 3, 4] })]),
      'annotations[0] (id 42): bbox must hold 4 finite numbers, got [1,"2",3,4]',
      'annotations[0].bbox',
    ],
    [
      'missing area',
      gtDoc([ann({ area: undefined })]),
      'annotations[0] (id 42): area is missing',
      'annotations[0].area',
    ],
    [
      'bad iscrowd',
      gtDoc([ann({ iscrowd: 2 })]),
      'annotations[0] (id 42): iscrowd must be 0 or 1, got 2',
      'annotations[0].iscrowd',
    ],
    [
      'duplicate id',
      gtDoc([ann(), ann()]),
      'annotations[1] (id 42): duplicate id, first used by annotations[0]',
      'annotations[1].id',
    ],
    [
      'annotation not an object',
      gtDoc([null]),
      'annotations[0]: must be an object, got null',
      'annotations[0]',
    ],
  ];
  for (const [what, input, message, path] of bad) {
    it(`rejects ${what}`, () => {
      const err = errorOf(() => parseGroundTruth(input));
      expect(err.message).toBe(message);
      expect(err.path).toBe(path);
      expect(err.code).toBe('INVALID_COCO_INPUT');
    });
  }
});

describe('parseDetections', () => {
  const gt = parseGroundTruth(gtDoc([ann()]));

  it('returns the array itself when valid', () => {
    const dts = [det(), det({ category_id: 99 })];
    expect(parseDetections(dts, gt)).toBe(dts);
  });

  const bad: [string, unknown, string][] = [
    ['not an array', { image_id: 1 }, 'detections must be a JSON array, got {"image_id":1}'],
    [
      'missing score',
      [det(), det({ score: undefined })],
      'detections[1] (image_id 1): score is missing',
    ],
    [
      'string score',
      [det({ score: '0.5' })],
      'detections[0] (image_id 1): score must be a finite number, got "0.5"',
    ],
    [
      'zero-size box',
      [det({ bbox: [0, 0, 0, 0] })],
      'detections[0] (image_id 1): bbox width must be > 0, got 0',
    ],
    ['missing image id', [det({ image_id: undefined })], 'detections[0]: image_id is missing'],
    [
      'unknown image',
      [det(), det({ image_id: 7 })],
      'detections[1] (image_id 7): image_id 7 is not an image of the ground truth',
    ],
  ];
  for (const [what, input, message] of bad) {
    it(`rejects ${what}`, () =>
      expect(errorOf(() => parseDetections(input, gt)).message).toBe(message));
  }

  it('reports the first offending entry', () => {
    const dts = [det(), det({ image_id: 7 }), det({ score: null })];
    expect(errorOf(() => parseDetections(dts, gt)).message).toMatch(/^detections\[1\]/);
  });
});
