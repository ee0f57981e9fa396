export { clipGradNorm } from './clip.ts';
export { createOptimizer, type CreateOptimizerOptions, type Optimizer } from './optimizer.ts';
export {
  baseWeightDecay,
  inferParamRole,
  resolveWeightDecays,
  weightDecayFor,
} from './param-groups.ts';
export {
  lrAt,
  regularLr,
  rescaleSteps,
  type StepScheduleConfig,
  type WarmupConfig,
} from './schedule.ts';
export type {
  AdamWConfig,
  GradClipConfig,
  OptimizerConfig,
  OptimizerState,
  ParamRole,
  ParamwiseConfig,
  SgdConfig,
} from './types.ts';
