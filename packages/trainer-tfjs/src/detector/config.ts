/**
 * Detector settings, named after MMDetection's `faster_rcnn_r50_fpn` config. `FASTER_RCNN_R50_FPN` is that
 * config; `DEMO_DETECTOR_CONFIG` scales it down (ResNet-18 at width 1/4, narrow FPN and heads, 128-pixel images,
 * fewer samples and proposals) so that a CPU can train it. `resolveDetectorConfig` overlays any subset on a preset.
 */
import type { ResNetConfig } from '../model/resnet.ts';
import type { AssignerConfig } from './assigner.ts';
import type { SamplerConfig } from './sampler.ts';

/** RPN proposal settings for one phase (mmdet's `rpn_proposal` / `test_cfg.rpn`). */
export interface ProposalConfig {
  /** Top-scoring anchors kept per level before NMS. mmdet: 2000 train, 1000 test. */
  nmsPre: number;
  /** Proposals kept per image after NMS. mmdet: 1000. */
  maxPerImg: number;
  /** NMS IoU threshold (per level). mmdet: 0.7. */
  nmsIou: number;
  /** Proposals with width or height not above this are dropped. mmdet: 0. */
  minBboxSize: number;
}

/** The whole detector. Every field has a default through the presets. */
export interface DetectorConfig {
  /** Object classes (background excluded). */
  numClasses: number;
  /** Longer image side the data loader resizes to (the trainer passes it to `iterateBatches`). */
  imageScale: number;
  backbone: ResNetConfig;
  /** FPN output channels (256 in mmdet). */
  fpnChannels: number;
  anchors: { strides: number[]; scales: number[]; ratios: number[] };
  rpn: {
    /** Channels of the shared 3x3 conv (mmdet: the FPN's). */
    featChannels: number;
    assigner: AssignerConfig;
    sampler: SamplerConfig;
    train: ProposalConfig;
    test: ProposalConfig;
  };
  roi: {
    outputSize: number;
    samplingRatio: number;
    /** Strides of the levels RoIs are pooled from (P2..P5). */
    strides: number[];
    /** mmdet's `finest_scale`: RoIs of scale < 2 x this go to the finest level. */
    finestScale: number;
  };
  bboxHead: {
    /** Width of the two shared fully connected layers (mmdet: 1024). */
    fcChannels: number;
    assigner: AssignerConfig;
    sampler: SamplerConfig;
    /** Add the gt boxes to the proposals before sampling (mmdet: true). */
    addGtAsProposals: boolean;
  };
  test: {
    scoreThr: number;
    nmsIou: number;
    maxPerImg: number;
  };
  /** Initialisation seed of the heads and neck (the backbone has its own). Default 0. */
  seed: number;
}

/** Any subset of a config, nested. */
export type DetectorConfigOverrides = {
  [K in keyof DetectorConfig]?: DetectorConfig[K] extends unknown[]
    ? DetectorConfig[K]
    : DetectorConfig[K] extends object
      ? {
          [L in keyof DetectorConfig[K]]?: DetectorConfig[K][L] extends unknown[]
            ? DetectorConfig[K][L]
            : Partial<DetectorConfig[K][L]>;
        }
      : DetectorConfig[K];
};

const RPN_ASSIGNER: AssignerConfig = {
  posIouThr: 0.7,
  negIouThr: 0.3,
  minPosIou: 0.3,
  matchLowQuality: true,
};
const RCNN_ASSIGNER: AssignerConfig = {
  posIouThr: 0.5,
  negIouThr: 0.5,
  minPosIou: 0.5,
  matchLowQuality: false,
};

/** MMDetection's `faster_rcnn_r50_fpn_1x_coco` (80 classes, 1333x800 images; this loader takes the longer side). */
export const FASTER_RCNN_R50_FPN: DetectorConfig = {
  numClasses: 80,
  imageScale: 1333,
  backbone: { depth: 50, width: 1, style: 'pytorch', frozenStages: 1, normEval: true },
  fpnChannels: 256,
  anchors: { strides: [4, 8, 16, 32, 64], scales: [8], ratios: [0.5, 1, 2] },
  rpn: {
    featChannels: 256,
    assigner: RPN_ASSIGNER,
    sampler: { num: 256, posFraction: 0.5 },
    train: { nmsPre: 2000, maxPerImg: 1000, nmsIou: 0.7, minBboxSize: 0 },
    test: { nmsPre: 1000, maxPerImg: 1000, nmsIou: 0.7, minBboxSize: 0 },
  },
  roi: { outputSize: 7, samplingRatio: 0, strides: [4, 8, 16, 32], finestScale: 56 },
  bboxHead: {
    fcChannels: 1024,
    assigner: RCNN_ASSIGNER,
    sampler: { num: 512, posFraction: 0.25 },
    addGtAsProposals: true,
  },
  test: { scoreThr: 0.05, nmsIou: 0.5, maxPerImg: 100 },
  seed: 0,
};

/**
 * The CPU demo: ResNet-18 x 0.25 (C2..C5 16/32/64/128), FPN 32, fc 128, 128-pixel images; anchor scale 4
 * (16..256 pixels instead of 32..512, for objects of a 128-pixel image); 128 RPN / 128 R-CNN samples; 300
 * proposals; `finestScale` 28 so the level mapping follows the halved anchors. Train it from a checkpoint.
 */
export const DEMO_DETECTOR_CONFIG: DetectorConfig = {
  ...FASTER_RCNN_R50_FPN,
  numClasses: 6,
  imageScale: 128,
  backbone: { depth: 18, width: 0.25, style: 'pytorch', frozenStages: 1, normEval: true },
  fpnChannels: 32,
  anchors: { strides: [4, 8, 16, 32, 64], scales: [4], ratios: [0.5, 1, 2] },
  rpn: {
    ...FASTER_RCNN_R50_FPN.rpn,
    featChannels: 32,
    sampler: { num: 128, posFraction: 0.5 },
    train: { nmsPre: 1000, maxPerImg: 300, nmsIou: 0.7, minBboxSize: 0 },
    test: { nmsPre: 500, maxPerImg: 300, nmsIou: 0.7, minBboxSize: 0 },
  },
  roi: { ...FASTER_RCNN_R50_FPN.roi, finestScale: 28 },
  bboxHead: {
    ...FASTER_RCNN_R50_FPN.bboxHead,
    fcChannels: 128,
    sampler: { num: 128, posFraction: 0.25 },
  },
};

const PRESETS = { demo: DEMO_DETECTOR_CONFIG, faster_rcnn_r50_fpn: FASTER_RCNN_R50_FPN } as const;

/** A preset's name. */
export type DetectorPreset = keyof typeof PRESETS;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function overlay(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    out[k] = isPlainObject(v) && isPlainObject(base[k]) ? overlay(base[k], v) : v;
  }
  return out;
}

/** A preset (default `demo`) with `overrides` laid over it (nested objects merged, arrays replaced), checked. */
export function resolveDetectorConfig(
  overrides: DetectorConfigOverrides = {},
  preset: DetectorPreset = 'demo',
): DetectorConfig {
  const c = overlay(
    PRESETS[preset] as unknown as Record<string, unknown>,
    overrides,
  ) as unknown as DetectorConfig;
  if (!(Number.isInteger(c.numClasses) && c.numClasses > 0))
    throw new RangeError('detector: numClasses must be a positive integer');
  if (c.anchors.strides.length !== 5)
    throw new RangeError('detector: anchors.strides needs one stride per FPN output (5)');
  if (c.roi.strides.length > 4)
    throw new RangeError('detector: roi.strides can name at most the 4 FPN levels P2..P5');
  for (const s of [c.rpn.sampler, c.bboxHead.sampler]) {
    if (!(s.num > 0 && s.posFraction > 0 && s.posFraction <= 1))
      throw new RangeError('detector: bad sampler settings');
  }
  return c;
}
