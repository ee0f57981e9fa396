import { describe, expect, it } from 'vitest';

import { anchorsPerLocation, baseAnchors, gridAnchors, multiLevelAnchors } from './anchors.ts';
import { decodeBoxes, encodeBoxes, RCNN_CODER, RPN_CODER } from './bbox-coder.ts';

const close = (actual: ArrayLike<number>, expected: number[], digits = 4) =>
  expect(Array.from(actual)).toEqual(expected.map((v) => expect.closeTo(v, digits)));

describe('anchors (mmdet v2 AnchorGenerator)', () => {
  it('base anchors of stride 4, scale 8, ratios 0.5/1/2 (mmdet test_anchor values)', () => {
    close(
      baseAnchors(4, [8], [0.5, 1, 2]),
      [
        -22.6274, -11.3137, 22.6274, 11.3137, -16, -16, 16, 16, -11.3137, -22.6274, 11.3137,
        22.6274,
      ],
    );
  });

  it('scale-major order with several scales: ratio outer, scale inner', () => {
    close(baseAnchors(2, [1, 2], [1]), [-1, -1, 1, 1, -2, -2, 2, 2]);
    close(baseAnchors(2, [1], [1], 0.5), [0, 0, 2, 2]);
  });

  it('grid: location-major (row, column), anchor-minor, shifted by x * stride, y * stride', () => {
    const grid = gridAnchors(baseAnchors(4, [8], [0.5, 1, 2]), 2, 3, 4);
    expect(grid.length).toBe(2 * 3 * 3 * 4);
    const at = (y: number, x: number, a: number) =>
      Array.from(grid.subarray(((y * 3 + x) * 3 + a) * 4, ((y * 3 + x) * 3 + a) * 4 + 4));
    expect(at(1, 2, 1)).toEqual([-8, -12, 24, 20]);
    expect(at(0, 0, 1)).toEqual([-16, -16, 16, 16]);
  });

  it('levels follow the strides, base size = stride', () => {
    const config = { strides: [4, 8], scales: [8], ratios: [0.5, 1, 2] };
    const levels = multiLevelAnchors(config, [
      [4, 4],
      [2, 2],
    ]);
    expect(anchorsPerLocation(config)).toBe(3);
    expect(levels.map((l) => l.length / 4)).toEqual([48, 12]);
    expect(Array.from(levels[1]!.subarray(4, 8))).toEqual([-32, -32, 32, 32]);
    expect(() => multiLevelAnchors(config, [[4, 4]])).toThrow(/2 strides/);
  });
});

describe('DeltaXYWHBBoxCoder', () => {
  it('encodes with means/stds and decodes back', () => {
    const proposals = Float32Array.of(0, 0, 10, 10, 4, 6, 8, 14);
    const gts = Float32Array.of(2, 4, 12, 24, 3, 5, 9, 13);
    close(encodeBoxes(proposals, gts, RPN_CODER).subarray(0, 4), [0.2, 0.9, 0, Math.log(2)], 5);
    close(encodeBoxes(proposals, gts, RCNN_CODER).subarray(0, 4), [2, 9, 0, Math.log(2) / 0.2], 5);
    for (const coder of [RPN_CODER, RCNN_CODER])
      close(decodeBoxes(proposals, encodeBoxes(proposals, gts, coder), coder), Array.from(gts), 4);
  });

  it('decodes as mmdet delta2bbox (test values with max_shape 32x32)', () => {
    const rois = Float32Array.of(0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 5, 5, 5, 5);
    const deltas = [0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 2, -1, 0.7, -1.9, -0.5, 0.3];
    close(
      decodeBoxes(rois, deltas, RPN_CODER, [32, 32]),
      [0, 0, 1, 1, 0.1409, 0.1409, 2.8591, 2.8591, 0, 0.3161, 4.1945, 0.6839, 5, 5, 5, 5],
    );
  });

  it('clamps dw, dh to |log(16/1000)| and clips to [0, w] x [0, h]', () => {
    const box = decodeBoxes(Float32Array.of(10, 10, 20, 20), [0, 0, 10, -10], RPN_CODER);
    const maxRatio = Math.abs(Math.log(16 / 1000));
    close(
      box,
      [
        15 - 5 * Math.exp(maxRatio),
        15 - 5 * Math.exp(-maxRatio),
        15 + 5 * Math.exp(maxRatio),
        15 + 5 * Math.exp(-maxRatio),
      ],
      2,
    );
    close(
      decodeBoxes(Float32Array.of(10, 10, 20, 20), [0, 0, 10, -10], RPN_CODER, [30, 40]),
      [0, 14.92, 40, 15.08],
      2,
    );
  });
});
