/** `@sweeps/trainer-mmdet`: MMDetection 2.x/3.x driven unchanged, and readers of its output. */
export { createMmdetExtractor, type MmdetVersion } from './metrics/extractor.ts';
export { MmdetJsonExtractor } from './metrics/json-log.ts';
export { MmdetTextExtractor } from './metrics/text-log.ts';
export { mmdetMetricName, parseSummaryLine } from './metrics/names.ts';
export { checkLog, extractorFor, PARSER_HELP, type LogCheck } from './check-log.ts';
