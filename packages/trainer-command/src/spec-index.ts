/**
 * `@sweeps/trainer-command/spec`: the `command` kind as the trainer catalogue and the API read it (its section,
 * checks and limits). Runs no process and loads none of the runner: `commandTrainer.load()` brings that in.
 */
export { commandTrainer } from './descriptor.ts';
export { CommandMetricsSchema, CommandTrainerSchema, type CommandSection } from './section.ts';
export { refuseCommandSection } from './policy-refusal.ts';
export { MAX_PATTERN_CHARS } from './metrics/regex-source.ts';
export { countLines } from './metrics/lines.ts';
