import { describe, expect, it } from 'vitest';
import { resizeBilinear } from './resize.ts';
import { createRng, mixSeed } from './rng.ts';
import { flipBoxes, padTo, rescaleSize } from './transforms.ts';

describe('transforms', () => {
  it('rescaleSize: longer side to the scale, rounded half up, realised factors', () => {
    expect(rescaleSize(200, 100, 128)).toEqual({
      width: 128,
      height: 64,
      scaleX: 0.64,
      scaleY: 0.64,
    });
    const tall = rescaleSize(333, 500, 128);
    expect([tall.width, tall.height]).toEqual([85, 128]);
    expect(tall.scaleX).toBeCloseTo(85 / 333, 12);
    expect(rescaleSize(64, 64, 128).scaleX).toBe(2);
  });

  it('padTo rounds up to the divisor', () => {
    expect([padTo(1, 32), padTo(32, 32), padTo(33, 32), padTo(128, 32)]).toEqual([32, 32, 64, 128]);
  });

  it('flipBoxes mirrors x and keeps x1 <= x2; twice is the identity', () => {
    const boxes = Float32Array.of(4, 8, 20, 16, 0, 0, 64, 32);
    flipBoxes(boxes, 64);
    expect([...boxes]).toEqual([44, 8, 60, 16, 0, 0, 64, 32]);
    flipBoxes(boxes, 64);
    expect([...boxes]).toEqual([4, 8, 20, 16, 0, 0, 64, 32]);
  });

  it('resizeBilinear uses half-pixel centres (OpenCV INTER_LINEAR) and is exact at scale 1', () => {
    expect([...resizeBilinear([0, 100], 2, 1, 1, 4, 1)]).toEqual([0, 25, 75, 100]);
    expect([...resizeBilinear([0, 100, 200, 40], 4, 1, 1, 2, 1)]).toEqual([50, 120]);
    const src = Float32Array.from({ length: 5 * 3 * 3 }, (_, i) => (i * 37) % 256);
    expect([...resizeBilinear(src, 5, 3, 3, 5, 3)]).toEqual([...src]);
  });

  it('rng streams are reproducible and seeds mix apart', () => {
    const a = createRng(mixSeed(1, 2));
    const b = createRng(mixSeed(1, 2));
    expect([a(), a(), a()]).toEqual([b(), b(), b()]);
    expect(mixSeed(1, 2)).not.toBe(mixSeed(2, 1));
  });
});
