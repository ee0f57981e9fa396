/**
 * `trainer: { kind: command, ... }` of a sweep file: runs any training command; `{placeholders}` are substituted
 * per trial, each as one argv entry.
 */
import { type TrainerSection, type TrainerTemplate, TrialTimeoutSchema } from '@sweeps/core';
import { z } from 'zod';

/**
 * Where a command's metrics come from: JSON lines on stdout (default), lines of stdout/stderr matching a regex
 * with named groups (`epoch` and one per metric), or a JSON/JSON-lines file the command writes.
 */
export const CommandMetricsSchema = z.discriminatedUnion('format', [
  z.strictObject({ format: z.literal('jsonl') }),
  z.strictObject({ format: z.literal('regex'), pattern: z.string().min(1).max(1000) }),
  z.strictObject({ format: z.literal('file'), path: z.string().min(1).max(2000) }),
]);

export const CommandTrainerSchema = z.strictObject({
  kind: z.literal('command'),
  command: z.array(z.string().min(1).max(4000)).min(1).max(500),
  metrics: CommandMetricsSchema.default({ format: 'jsonl' }),
  /** Working directory, relative to the worker's directory. Default: the worker's directory. */
  cwd: z.string().max(2000).optional(),
  /** Extra environment variables for the command; values may contain placeholders. */
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string().max(4000)).optional(),
  /** Wall-clock limit per trial in seconds (default: none). */
  timeout_s: TrialTimeoutSchema,
});
export type CommandSection = z.output<typeof CommandTrainerSchema>;

/** The section's templates: every command entry, every variable, and a metric file's path. */
export function commandTemplates(trainer: TrainerSection): TrainerTemplate[] {
  const { command, env, metrics } = trainer as CommandSection;
  return [
    ...command.map((template, i) => ({ path: `trainer.command[${i}]`, template })),
    ...Object.entries(env ?? {}).map(([k, template]) => ({ path: `trainer.env.${k}`, template })),
    ...(metrics.format === 'file'
      ? [{ path: 'trainer.metrics.path', template: metrics.path }]
      : []),
  ];
}
