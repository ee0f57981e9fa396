/** The worker's settings; nothing else in the worker reads process.env. */
import { fileURLToPath } from 'node:url';
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
  /** Hours a finished trial's directory is kept before the worker removes it; 0 keeps everything (trial-dir-retention.ts). */
  SWEEPS_TRIAL_DIR_RETENTION_H: z.coerce.number().min(0).default(0),
});
export type WorkerEnv = z.infer<typeof WorkerEnvSchema>;

export function readWorkerEnv(source: NodeJS.ProcessEnv = process.env): WorkerEnv {
  return WorkerEnvSchema.parse(source);
}
