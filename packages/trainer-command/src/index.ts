export * from './command-trainer.ts';
export * from './argv.ts';
export * from './process-runner.ts';
export { describeContainment, detectContainment } from './containment.ts';
export * from './run-process.ts';
export * from './output-log.ts';
export * from './metric-source.ts';
export * from './metrics/index.ts';
export * from './spec-check.ts';
