import { describe, expect, it } from 'vitest';

import { createRng } from '../data/rng.ts';
import { addGtsToAssignment, assignMaxIou } from './assigner.ts';
import { bboxOverlaps } from './boxes.ts';
import { batchedNms, nms } from './nms.ts';
import { detectionsOf } from './post-process.ts';
import { denseRcnnTargets, rcnnSamples } from './rcnn-targets.ts';
import { mapRoiLevels } from './roi-extractor.ts';
import { rpnProposals, rpnTargets } from './rpn-targets.ts';
import { randomChoice, sampleRandom } from './sampler.ts';

const RCNN = { posIouThr: 0.5, negIouThr: 0.5, minPosIou: 0.5, matchLowQuality: false };

describe('IoU and MaxIoUAssigner', () => {
  it('bbox_overlaps as mmdet (no +1)', () => {
    const a = Float32Array.of(0, 0, 10, 10, 10, 10, 20, 20, 32, 32, 38, 42);
    const b = Float32Array.of(0, 0, 10, 20, 0, 10, 10, 19, 10, 10, 20, 20);
    expect(Array.from(bboxOverlaps(a, b))).toEqual([0.5, 0, 0, 0, 0, 1, 0, 0, 0]);
    expect(
      bboxOverlaps(Float32Array.of(0, 0, 10, 10), Float32Array.of(5, 5, 15, 15))[0],
    ).toBeCloseTo(1 / 7, 6);
  });

  it('assigns as mmdet test_max_iou_assigner (low-quality matches, min_pos_iou 0)', () => {
    const boxes = Float32Array.of(0, 0, 10, 10, 10, 10, 20, 20, 5, 5, 15, 15, 32, 32, 38, 42);
    const gts = Float32Array.of(0, 0, 10, 9, 0, 10, 10, 19);
    const config = { posIouThr: 0.5, negIouThr: 0.5, minPosIou: 0, matchLowQuality: true };
    const r = assignMaxIou(boxes, gts, Int32Array.of(2, 3), config);
    expect(Array.from(r.gtIndex)).toEqual([1, 0, 2, 0]);
    expect(Array.from(r.labels)).toEqual([2, -1, 3, -1]);
    expect(Array.from(assignMaxIou(boxes, gts, Int32Array.of(2, 3), RCNN).gtIndex)).toEqual([
      1, 0, 0, 0,
    ]);
  });

  it('boxes between the thresholds are ignored; no gts makes everything negative; add_gt_ prepends gts', () => {
    const rpn = { posIouThr: 0.7, negIouThr: 0.3, minPosIou: 0.9, matchLowQuality: true };
    const r = assignMaxIou(
      Float32Array.of(0, 0, 10, 10, 0, 0, 10, 5),
      Float32Array.of(0, 0, 10, 8),
      Int32Array.of(4),
      rpn,
    );
    expect(Array.from(r.gtIndex)).toEqual([1, -1]);
    expect(
      Array.from(
        assignMaxIou(Float32Array.of(0, 0, 1, 1), new Float32Array(0), new Int32Array(0), rpn)
          .gtIndex,
      ),
    ).toEqual([0]);
    const withGts = addGtsToAssignment(r, Int32Array.of(4));
    expect(Array.from(withGts.gtIndex)).toEqual([1, 1, -1]);
    expect(Array.from(withGts.labels)).toEqual([4, 4, -1]);
  });
});

describe('RandomSampler', () => {
  it('takes up to num * posFraction positives, fills with negatives, reproducibly', () => {
    const gtIndex = Int32Array.from({ length: 110 }, (_, i) => (i < 10 ? 1 : i < 105 ? 0 : -1));
    const assign = {
      numGts: 1,
      gtIndex,
      maxOverlaps: new Float32Array(110),
      labels: new Int32Array(110),
    };
    const a = sampleRandom(createRng(3), assign, { num: 16, posFraction: 0.5 });
    expect([a.pos.length, a.neg.length]).toEqual([8, 8]);
    expect(new Set([...a.pos, ...a.neg]).size).toBe(16);
    expect(a.pos.every((i) => i < 10) && a.neg.every((i) => i >= 10 && i < 105)).toBe(true);
    expect(sampleRandom(createRng(3), assign, { num: 16, posFraction: 0.5 })).toEqual(a);
    const few = sampleRandom(createRng(3), assign, { num: 64, posFraction: 0.25 });
    expect([few.pos.length, few.neg.length]).toEqual([10, 54]);
    expect(randomChoice(createRng(1), [1, 2, 3], 5)).toEqual([1, 2, 3]);
  });
});

describe('NMS', () => {
  const boxes = Float32Array.of(0, 0, 10, 10, 1, 1, 11, 11, 20, 20, 30, 30, 0, 0, 10, 10);
  const scores = [0.9, 0.8, 0.7, 0.95];
  it('suppresses IoU > threshold, best first', () => {
    expect(nms(boxes, scores, 0.5)).toEqual([3, 2]);
    expect(nms(boxes, scores, 0.7)).toEqual([3, 1, 2]);
    expect(nms(boxes, scores, 0.5, undefined, 1)).toEqual([3]);
  });
  it('batched: groups never suppress each other; merged by score and cut', () => {
    expect(batchedNms(boxes, scores, [0, 0, 0, 1], 0.5)).toEqual([3, 0, 2]);
    expect(batchedNms(boxes, scores, [0, 0, 0, 1], 0.5, 2)).toEqual([3, 0]);
  });
});

describe('RPN targets and proposals', () => {
  it('an anchor equal to a gt is a positive with zero deltas; the divisor counts sampled anchors', () => {
    const anchors = Float32Array.of(0, 0, 10, 10, 50, 50, 60, 60, 0, 0, 9, 10);
    const rpn = { posIouThr: 0.7, negIouThr: 0.3, minPosIou: 0.3, matchLowQuality: true };
    const t = rpnTargets(
      anchors,
      [Float32Array.of(0, 0, 10, 10), new Float32Array(0)],
      rpn,
      { num: 4, posFraction: 0.5 },
      createRng(0),
    );
    expect(Array.from(t.labels)).toEqual([1, 0, 1, 0, 0, 0]);
    expect(Array.from(t.labelWeights)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(Array.from(t.bboxWeights.subarray(0, 4))).toEqual([1, 1, 1, 1]);
    expect(Array.from(t.bboxTargets.subarray(0, 4))).toEqual([0, 0, 0, 0]);
    expect([t.numSamples, t.numPositives]).toEqual([6, 2]);
  });

  it('top-k per level, clipped to the image, NMS within a level only', () => {
    const anchors = Float32Array.of(
      0,
      0,
      10,
      10,
      1,
      0,
      11,
      10,
      30,
      30,
      50,
      50,
      0,
      0,
      10,
      10,
      -5,
      -5,
      5,
      5,
    );
    const scores = Float32Array.of(0.9, 0.8, 0.1, 0.7, 0.6);
    const config = { nmsPre: 2, maxPerImg: 10, nmsIou: 0.7, minBboxSize: 0 };
    const p = rpnProposals(scores, new Float32Array(20), anchors, [3, 2], [40, 40], config);
    expect(Array.from(p.scores)).toEqual([0.9, 0.7, 0.6].map((v) => Math.fround(v)));
    expect(Array.from(p.boxes)).toEqual([0, 0, 10, 10, 0, 0, 10, 10, 0, 0, 5, 5]);
  });
});

describe('R-CNN samples, level mapping, post-processing', () => {
  it('prepends the gts as positives; negatives get the background label; dense targets follow the row order', () => {
    const s = rcnnSamples(
      [Float32Array.of(40, 40, 50, 50)],
      [Float32Array.of(0, 0, 10, 10)],
      [Int32Array.of(1)],
      {
        assigner: RCNN,
        sampler: { num: 8, posFraction: 0.25 },
        addGtAsProposals: true,
        numClasses: 2,
      },
      createRng(0),
    );
    expect(Array.from(s.rois)).toEqual([0, 0, 10, 10, 40, 40, 50, 50]);
    expect(Array.from(s.labels)).toEqual([1, 2]);
    const d = denseRcnnTargets(s, [1, 0], 2);
    expect(Array.from(d.oneHot)).toEqual([0, 0, 1, 0, 1, 0]);
    expect(Array.from(d.regWeights)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1]);
  });

  it('without gts every proposal is background', () => {
    const s = rcnnSamples(
      [Float32Array.of(40, 40, 50, 50, 0, 0, 9, 9)],
      [new Float32Array(0)],
      [new Int32Array(0)],
      {
        assigner: RCNN,
        sampler: { num: 8, posFraction: 0.25 },
        addGtAsProposals: true,
        numClasses: 2,
      },
      createRng(0),
    );
    expect(Array.from(s.labels)).toEqual([2, 2]);
  });

  it("maps RoIs to levels by sqrt(area) / finest_scale (mmdet's SingleRoIExtractor)", () => {
    const sides = [50, 111, 112, 224, 448, 1000, 0];
    const rois = Float32Array.from(sides.flatMap((s) => [0, 0, s, s]));
    expect(Array.from(mapRoiLevels(rois, 4, 56))).toEqual([0, 0, 1, 2, 3, 3, 0]);
  });

  it('detections: softmax, score threshold, class-specific boxes, rescaled to the original image as [x, y, w, h]', () => {
    const rois = Float32Array.of(10, 10, 30, 50, 0, 0, 5, 5);
    const logits = Float32Array.of(5, 0, 0, 0, 0, 5);
    const deltas = new Float32Array(8);
    const dets = detectionsOf(
      rois,
      logits,
      deltas,
      2,
      { imgShape: [40, 40], scaleFactor: [0.5, 2] },
      { scoreThr: 0.05, nmsIou: 0.5, maxPerImg: 100 },
    );
    expect(dets).toHaveLength(1);
    expect(dets[0]!.label).toBe(0);
    expect(dets[0]!.bbox).toEqual([20, 5, 40, 15]);
    expect(dets[0]!.score).toBeCloseTo(Math.exp(5) / (Math.exp(5) + 2), 5);
  });
});
