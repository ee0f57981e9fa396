/**
 * Faster R-CNN (MMDetection's `faster_rcnn_r50_fpn`, scaled by config) on TF.js: `createDetector(overrides,
 * preset)` gives the model's variables, a training loss and `predict`. The box utilities (anchors, coder, IoU,
 * assigner, sampler, NMS) and a differentiable RoIAlign are exported for reuse and tests.
 */
export {
  anchorsPerLocation,
  baseAnchors,
  gridAnchors,
  multiLevelAnchors,
  type AnchorConfig,
} from './anchors.ts';
export {
  addGtsToAssignment,
  assignMaxIou,
  type AssignerConfig,
  type AssignResult,
} from './assigner.ts';
export {
  decodeBoxes,
  encodeBoxes,
  RCNN_CODER,
  RPN_CODER,
  type BBoxCoderConfig,
} from './bbox-coder.ts';
export { bboxOverlaps } from './boxes.ts';
export {
  DEMO_DETECTOR_CONFIG,
  FASTER_RCNN_R50_FPN,
  resolveDetectorConfig,
  type DetectorConfig,
  type DetectorConfigOverrides,
  type DetectorPreset,
  type ProposalConfig,
} from './config.ts';
export {
  backendReadsSync,
  createDetector,
  type Detector,
  type DetectorLossTerms,
  type LossOptions,
  type SampleRng,
  type TrainBatch,
} from './detector.ts';
export { batchedNms, nms } from './nms.ts';
export type { Detection, ImageMeta } from './post-process.ts';
export { roiAlign, roiAlignImage, roiAlignWeights, type RoiAlignConfig } from './roi-align.ts';
export { mapRoiLevels } from './roi-extractor.ts';
export type { Proposals } from './rpn-targets.ts';
export { randomChoice, sampleRandom, type SamplerConfig } from './sampler.ts';
