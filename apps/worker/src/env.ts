/**
 * The worker's settings; nothing else in the worker reads process.env. Its secrets (`DATABASE_URL`, `REDIS_URL`)
 * may come from files instead (`DATABASE_URL_FILE`, `REDIS_URL_FILE`: a Docker or Kubernetes secret, a root-only
 * file; @sweeps/db's secret-files.ts), so they never stand in the worker's environment, which `/proc/<pid>/environ` shows as it was at start.
 */
import { fileURLToPath } from 'node:url';
import { MaxEpochsPerTrialSettingSchema } from '@sweeps/core';
import { DbEnvSchema, readSecretFiles } from '@sweeps/db';
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
  /**
   * The lost limit, as the API's: a worker id whose heartbeat is newer is in use (another worker starting with it
   * is refused), and only workers seen within it count as live when a trial is routed (worker-presence.ts).
   */
  SWEEPS_WORKER_LOST_MS: z.coerce.number().int().min(1000).default(30_000),
  /** Executables `command` trials may start (comma-separated names or absolute path globs). Default: none. */
  SWEEPS_WORKER_ALLOW_COMMANDS: z.string().default(''),
  /** Environment variable names (or globs) a sweep's `trainer.env` may set. Default: none. */
  SWEEPS_WORKER_ALLOW_ENV: z.string().default(''),
  /** Directories a trial's `cwd` must lie in (comma-separated). Default: SWEEPS_WORK_DIR. */
  SWEEPS_WORKER_CWD_ROOTS: z.string().default(''),
  /** More of the worker's own variables to pass to trial processes (beyond PATH, HOME, locale, GPU stacks). */
  SWEEPS_WORKER_PASS_ENV: z.string().default(''),
  /**
   * The user trial processes run as when the worker runs as root: a user name or uid (default `nobody`), or `off`
   * to run them as the worker itself (trials can then read the worker's secrets). See trial-user.ts.
   */
  SWEEPS_WORKER_RUN_AS: z.string().default(''),
  /** Hours a finished trial's directory is kept before the worker removes it; 0 keeps everything (trial-dir-retention.ts). */
  SWEEPS_TRIAL_DIR_RETENTION_H: z.coerce.number().min(0).default(0),
  /** The GPUs this worker may use, by index (Slurm sets it to the job's); unset: every GPU nvidia-smi lists. */
  CUDA_VISIBLE_DEVICES: z.string().optional(),
  /** Most epochs one trial may report; a trainer reporting a later epoch fails its trial (earlier epochs kept). */
  SWEEPS_MAX_EPOCHS_PER_TRIAL: MaxEpochsPerTrialSettingSchema,
});
export type WorkerEnv = z.infer<typeof WorkerEnvSchema>;

/** The worker's secrets, each of which may be given as `<NAME>_FILE` (a path) instead. */
export const SECRET_SETTINGS = ['DATABASE_URL', 'REDIS_URL'] as const;

export function readWorkerEnv(source: NodeJS.ProcessEnv = process.env): WorkerEnv {
  return WorkerEnvSchema.parse({ ...source, ...readSecretFiles(source, SECRET_SETTINGS) });
}

/**
 * Removes the worker's secrets (and where their files are) from `env`, once read, so that nothing later started
 * or loaded in the worker finds them there. This does not change `/proc/<pid>/environ`, which keeps the
 * environment the process started with: secrets given as variables stay readable there to the worker's user.
 */
export function scrubSecrets(env: NodeJS.ProcessEnv = process.env): void {
  for (const name of SECRET_SETTINGS) {
    delete env[name];
    delete env[`${name}_FILE`];
  }
}
