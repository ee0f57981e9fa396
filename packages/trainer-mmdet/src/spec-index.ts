/**
 * `@sweeps/trainer-mmdet/spec`: the `mmdet` kind as the trainer catalogue and the API read it: its section and
 * checks, the derived config and command a worker would run (preview), and what a log would yield (the parser
 * check). Runs no process and loads none of the runner: `mmdetTrainer.load()` brings that in on a worker.
 */
export { mmdetTrainer } from './descriptor.ts';
export {
  checkMmdetSection,
  mmdetWorkerPaths,
  MmdetTrainerSpecSchema,
  MMDET_FIXED_KEYS,
  type MmdetTrainerSpec,
} from './spec.ts';
export { mmdetCommand, refuseMmdet, refuseMmdetSection } from './policy-refusal.ts';
export { checkLog, extractorFor, PARSER_HELP, type LogCheck } from './check-log.ts';
export { deriveConfigText, type DerivedConfigInput } from './derived-config.ts';
export { launchArgv, checkpointLocation, trialPaths } from './launch.ts';
