/**
 * `@sweeps/trainer-mmdet`: MMDetection 2.x/3.x driven unchanged (the runtime a worker loads), and readers of its
 * output. The catalogue and the API read `@sweeps/trainer-mmdet/spec` instead.
 */
export { createMmdetExtractor, type MmdetVersion } from './metrics/extractor.ts';
export { MmdetJsonExtractor } from './metrics/json-log.ts';
export { MmdetTextExtractor } from './metrics/text-log.ts';
export { mmdetMetricName, parseSummaryLine } from './metrics/names.ts';
export { MmdetTrainer, type MmdetTrainerOptions } from './mmdet-trainer.ts';
export * from './spec-index.ts';
export { pyNumber, pyString, pyValue } from './python-literal.ts';
