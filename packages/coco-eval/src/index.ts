export { evaluate, denseArray } from './evaluate.ts';
export { summarize, computeStats, STAT_NAMES } from './summarize.ts';
export { parseGroundTruth, parseDetections } from './parse.ts';
export { readJsonFile, loadGroundTruth, loadDetections } from './read-json.ts';
export { CocoInputError } from './errors.ts';
export { DEFAULT_AREA_RANGES, linspace } from './params.ts';
export type * from './types.ts';
