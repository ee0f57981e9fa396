/**
 * `@sweeps/trainer-command`: the `command` trainer's runtime (process runner, metric sources) for the worker and
 * the other trainer packages. The catalogue and the API read `@sweeps/trainer-command/spec` instead.
 */
export * from './command-trainer.ts';
export * from './argv.ts';
export * from './process-runner.ts';
export { describeContainment, detectContainment } from './containment.ts';
export * from './run-process.ts';
export * from './output-log.ts';
export { isOutOfMemoryLine } from './out-of-memory.ts';
export * from './metric-source.ts';
export * from './metrics/index.ts';
export * from './spec-index.ts';
export * from './trial-dir.ts';
export * from './read-roots.ts';
