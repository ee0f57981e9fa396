/** The unit tests' detector: the demo config at tiny widths (ResNet-18 x 1/8, FPN 8, fc 32) for 64-pixel images. */
import type { DetectorConfigOverrides } from './config.ts';

/** Tiny widths, 3 classes, 64 RPN / 64 R-CNN samples, 100 proposals. */
export const TINY_DETECTOR: DetectorConfigOverrides = {
  numClasses: 3,
  imageScale: 64,
  backbone: { depth: 18, width: 0.125 },
  fpnChannels: 8,
  rpn: {
    featChannels: 8,
    sampler: { num: 64, posFraction: 0.5 },
    train: { nmsPre: 300, maxPerImg: 100 },
    test: { nmsPre: 300, maxPerImg: 100 },
  },
  bboxHead: { fcChannels: 32, sampler: { num: 64, posFraction: 0.25 } },
};
