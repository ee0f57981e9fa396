/**
 * `@sweeps/trainer-tfjs`: the built-in TF.js trainer of sweeps. The worker loads this package and calls
 * `createTfjsTrainer()`; the rest is exported for the `pretrain` job, tests and other tools.
 */
export { createTfjsTrainer, type TfjsTrainerOptions } from './trainer/tfjs-trainer.ts';
export {
  TfjsOptionsSchema,
  resolvePlan,
  type RunPlan,
  type TfjsOptions,
} from './trainer/options.ts';
export {
  runTfjsChild,
  parseTfjsChildJob,
  type TfjsChildJob,
  type TfjsChildResult,
} from './trainer/tfjs-child.ts';
export { trainLoop, type LoopConfig, type LoopResult } from './train/loop.ts';
export type { LossOutput, TrainTask } from './train/task.ts';
export { SeededRng } from './train/rng.ts';
export { buildSchedule, type ScheduleSettings } from './train/schedule.ts';
export {
  runPretrain,
  BASE_RECIPE,
  type PretrainOptions,
  type PretrainResult,
} from './pretrain/pretrain.ts';
export {
  createClassificationTask,
  type ClassificationTask,
  type ClassificationTaskConfig,
} from './pretrain/classification-task.ts';
