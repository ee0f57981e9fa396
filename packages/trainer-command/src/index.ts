export * from './command-trainer.ts';
export * from './argv.ts';
export * from './process-group.ts';
export * from './metrics/index.ts';
