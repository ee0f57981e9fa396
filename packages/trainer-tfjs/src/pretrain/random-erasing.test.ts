import { describe, expect, it } from 'vitest';

import { SeededRng } from '../train/rng.ts';
import { eraseBox, sampleErasing } from './random-erasing.ts';

describe('random erasing', () => {
  it('by hand: erases exactly the box, every channel', () => {
    const img = Float32Array.from({ length: 4 * 3 * 2 }, (_, i) => i + 1); // h 4, w 3, 2 channels
    eraseBox(img, 3, 2, { y0: 1, y1: 3, x0: 1, x1: 3 }, -1);
    const erased = [8, 9, 10, 11, 14, 15, 16, 17]; // indices of (1..2, 1..2) x 2 channels
    expect(Array.from(img)).toEqual(Array.from(img, (_, i) => (erased.includes(i) ? -1 : i + 1)));
  });

  it('boxes fit strictly inside, with area share and aspect within the ranges (loosely)', () => {
    const rng = new SeededRng(11);
    const u = () => rng.next();
    let erased = 0;
    const n = 3000;
    for (let i = 0; i < n; i++) {
      const box = sampleErasing(u, { p: 0.4 }, 32, 32);
      if (!box) continue;
      erased++;
      const [bh, bw] = [box.y1 - box.y0, box.x1 - box.x0];
      expect(box.y0).toBeGreaterThanOrEqual(0);
      expect(box.x0).toBeGreaterThanOrEqual(0);
      expect(bh).toBeLessThan(32);
      expect(bw).toBeLessThan(32);
      // rounding of the sides moves the area a little around [0.02, 0.33] x 1024
      expect(bh * bw).toBeGreaterThanOrEqual(12);
      expect(bh * bw).toBeLessThanOrEqual(0.33 * 1024 + 2 * 32);
    }
    expect(erased / n).toBeGreaterThan(0.36);
    expect(erased / n).toBeLessThan(0.44);
  });

  it('never erases at p 0', () => {
    const rng = new SeededRng(1);
    expect(sampleErasing(() => rng.next(), { p: 0 }, 8, 8)).toBeNull();
  });
});
