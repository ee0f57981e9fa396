import { describe, expect, it } from 'vitest';

import { recipeFixture } from '../testing/recipe-fixture.ts';
import { SeededRng } from '../train/rng.ts';
import {
  adjustBrightness,
  adjustContrast,
  adjustSaturation,
  applyOp,
  autoContrast,
  equalize,
  posterize,
  type RgbImage,
  randAugment,
  solarize,
  translate,
} from './rand-augment.ts';

interface AugmentFixture {
  shape: [number, number, 3];
  image: number[];
  ops: Record<string, number[]>;
}

describe('RandAugment ops against torchvision (uint8)', () => {
  const f = recipeFixture<AugmentFixture>('augment');
  const img: RgbImage = { data: Uint8Array.from(f.image), height: f.shape[0], width: f.shape[1] };
  const ops: Record<string, (i: RgbImage) => RgbImage> = {
    'brightness_1.6': (i) => adjustBrightness(i, 1.6),
    'brightness_0.4': (i) => adjustBrightness(i, 0.4),
    'contrast_1.5': (i) => adjustContrast(i, 1.5),
    'contrast_0.3': (i) => adjustContrast(i, 0.3),
    'color_1.7': (i) => adjustSaturation(i, 1.7),
    'color_0.2': (i) => adjustSaturation(i, 0.2),
    solarize_128: (i) => solarize(i, 128),
    posterize_3: (i) => posterize(i, 3),
    autocontrast: autoContrast,
    equalize,
    translateX_3: (i) => translate(i, 3, 0),
    'translateY_-2': (i) => translate(i, 0, -2),
  };

  it.each(Object.keys(ops))('%s', (name) => {
    const expected = f.ops[name] as number[];
    expect(Array.from((ops[name] as (i: RgbImage) => RgbImage)(img).data)).toEqual(expected);
  });

  it("maps magnitude bins as torchvision's RandAugment (bin 9 of 31)", () => {
    // posterize: 8 - round(9 / 7.5) = 7 bits; solarize: 255 - 9 x 8.5 = 178.5
    expect(applyOp(img, 'posterize', 9, 31, false).data).toEqual(posterize(img, 7).data);
    expect(applyOp(img, 'solarize', 9, 31, false).data).toEqual(solarize(img, 178.5).data);
    // brightness: 1 +- 0.27; translate: trunc(9 / 30 x 150 / 331 x 24) = 3 pixels
    expect(applyOp(img, 'brightness', 9, 31, true).data).toEqual(adjustBrightness(img, 0.73).data);
    expect(applyOp(img, 'translateX', 9, 31, true).data).toEqual(translate(img, -3, 0).data);
  });

  it('a policy draws the same ops for the same seed, and no ops leave the image', () => {
    const run = (seed: number) => {
      const rng = new SeededRng(seed);
      return randAugment(img, () => rng.next(), { numOps: 2, magnitude: 9 }).data;
    };
    expect(run(4)).toEqual(run(4));
    const rng = new SeededRng(0);
    expect(randAugment(img, () => rng.next(), { numOps: 0, magnitude: 9 })).toBe(img);
    expect(() => randAugment(img, () => 0, { numOps: 1, magnitude: 31 })).toThrow(RangeError);
  });
});
