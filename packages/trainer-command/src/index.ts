export * from './command-trainer.ts';
export * from './argv.ts';
export * from './jsonl-metrics.ts';
export * from './line-splitter.ts';
export * from './process-runner.ts';
