/**
 * The worker's settings; nothing else in the worker reads process.env. Its secrets (`DATABASE_URL`, `REDIS_URL`)
 * may come from files instead (`DATABASE_URL_FILE`, `REDIS_URL_FILE`: a Docker or Kubernetes secret, a root-only
 * file; @sweeps/db's secret-files.ts), so they never stand in the worker's environment, which `/proc/<pid>/environ` shows as it was at start.
 */
import { fileURLToPath } from 'node:url';
import { MaxEpochsPerTrialSettingSchema, parseSnapshotStoreUrl } from '@sweeps/core';
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
  /**
   * Affinity: how long a resumed trial (promoted, retried, handed back) that this worker takes waits for the worker
   * holding its newest snapshot, while that one is live with a free slot; 0: never waits (trial-routing.ts).
   */
  SWEEPS_AFFINITY_WAIT_MS: z.coerce.number().int().min(0).max(600_000).default(3_000),
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
  /**
   * Where snapshots go so a trial resumes on any host: `s3://bucket/prefix` (an S3-compatible object store); unset:
   * they stay in SWEEPS_DATA_DIR, which hosts must then share (snapshots/object-store-settings.ts).
   */
  SWEEPS_SNAPSHOT_STORE: z
    .string()
    .optional()
    .superRefine((url, ctx) => {
      if (!url) return;
      try {
        parseSnapshotStoreUrl(url);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    }),
  /** Path-style bucket addressing (MinIO and most self-hosted servers): `auto` (with a custom endpoint), true, false. */
  SWEEPS_SNAPSHOT_STORE_PATH_STYLE: z.enum(['auto', 'true', 'false']).default('auto'),
  /** The S3 endpoint (the AWS SDK's variables): `AWS_ENDPOINT_URL_S3` first, then `AWS_ENDPOINT_URL`. */
  AWS_ENDPOINT_URL_S3: z.string().optional(),
  AWS_ENDPOINT_URL: z.string().optional(),
  /** The store's region (`AWS_REGION`, else `AWS_DEFAULT_REGION`, else us-east-1). */
  AWS_REGION: z.string().optional(),
  AWS_DEFAULT_REGION: z.string().optional(),
  /** The store's credentials (or `*_FILE`); unset: the AWS SDK's own chain (profile, web identity, instance role). */
  AWS_ACCESS_KEY_ID: z.string().optional(),
  AWS_SECRET_ACCESS_KEY: z.string().optional(),
  AWS_SESSION_TOKEN: z.string().optional(),
});
export type WorkerEnv = z.infer<typeof WorkerEnvSchema>;

/** The worker's secrets, each of which may be given as `<NAME>_FILE` (a path) instead. */
export const SECRET_SETTINGS = [
  'DATABASE_URL',
  'REDIS_URL',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
] as const;

export function readWorkerEnv(source: NodeJS.ProcessEnv = process.env): WorkerEnv {
  const env = WorkerEnvSchema.parse({ ...source, ...readSecretFiles(source, SECRET_SETTINGS) });
  if (env.SWEEPS_SNAPSHOT_STORE && !env.AWS_ACCESS_KEY_ID !== !env.AWS_SECRET_ACCESS_KEY)
    throw new Error(
      'SWEEPS_SNAPSHOT_STORE: set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or their *_FILE), or neither to use the AWS SDK credential chain (profile, web identity, instance role)',
    );
  return env;
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
