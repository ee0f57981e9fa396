/** The worker's settings; nothing else in the worker reads process.env. */
import { fileURLToPath } from 'node:url';
import { DEFAULT_MAX_EPOCHS_PER_TRIAL, MAX_EPOCHS_CEILING } from '@sweeps/core';
import { DbEnvSchema } from '@sweeps/db';
import { QueueEnvSchema } from '@sweeps/queue';
import { z } from 'zod';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export const WorkerEnvSchema = z.object({
  ...DbEnvSchema.shape,
  ...QueueEnvSchema.shape,
  /** Where trials write checkpoints (`<dir>/trials/<trial id>`). */
  SWEEPS_DATA_DIR: z.string().default(`${repoRoot}.data`),
  /** Directory that relative commands and `cwd` of command trainers resolve against. */
  SWEEPS_WORK_DIR: z.string().default(repoRoot),
  SWEEPS_HEARTBEAT_MS: z.coerce.number().int().min(100).default(5000),
  /** Executables `command` trials may start (comma-separated names or absolute path globs). Default: none. */
  SWEEPS_WORKER_ALLOW_COMMANDS: z.string().default(''),
  /** Environment variable names (or globs) a sweep's `trainer.env` may set. Default: none. */
  SWEEPS_WORKER_ALLOW_ENV: z.string().default(''),
  /** Directories a trial's `cwd` must lie in (comma-separated). Default: SWEEPS_WORK_DIR. */
  SWEEPS_WORKER_CWD_ROOTS: z.string().default(''),
  /** More of the worker's own variables to pass to trial processes (beyond PATH, HOME, locale, GPU stacks). */
  SWEEPS_WORKER_PASS_ENV: z.string().default(''),
  /** Hours a finished trial's directory is kept before the worker removes it; 0 keeps everything (trial-dir-retention.ts). */
  SWEEPS_TRIAL_DIR_RETENTION_H: z.coerce.number().min(0).default(0),
  /** Most epochs one trial may report; a trainer reporting a later epoch fails its trial (earlier epochs kept). */
  SWEEPS_MAX_EPOCHS_PER_TRIAL: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_EPOCHS_CEILING)
    .default(DEFAULT_MAX_EPOCHS_PER_TRIAL),
});
export type WorkerEnv = z.infer<typeof WorkerEnvSchema>;

export function readWorkerEnv(source: NodeJS.ProcessEnv = process.env): WorkerEnv {
  return WorkerEnvSchema.parse(source);
}
