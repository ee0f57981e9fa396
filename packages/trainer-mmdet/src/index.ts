/** `@sweeps/trainer-mmdet`: MMDetection 2.x/3.x driven unchanged, and readers of its output. */
export { createMmdetExtractor, type MmdetVersion } from './metrics/extractor.ts';
export { MmdetJsonExtractor } from './metrics/json-log.ts';
export { MmdetTextExtractor } from './metrics/text-log.ts';
export { mmdetMetricName, parseSummaryLine } from './metrics/names.ts';
export { checkLog, extractorFor, PARSER_HELP, type LogCheck } from './check-log.ts';
export { MmdetTrainer, type MmdetTrainerOptions } from './mmdet-trainer.ts';
export {
  mmdetSpecCheck,
  mmdetWorkerPaths,
  MmdetTrainerSpecSchema,
  MMDET_FIXED_KEYS,
  type MmdetTrainerSpec,
} from './spec.ts';
export { deriveConfigText, type DerivedConfigInput } from './derived-config.ts';
export { launchArgv, checkpointLocation, trialPaths } from './launch.ts';
export { pyNumber, pyString, pyValue } from './python-literal.ts';
