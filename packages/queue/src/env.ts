import { z } from 'zod';

/** Redis settings every process that uses the queue reads (the API and the worker extend this schema). */
export const QueueEnvSchema = z.object({
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  /** Keeps several deployments (or test runs) apart on one Redis. */
  SWEEPS_QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .default('sweeps'),
});
export type QueueEnv = z.infer<typeof QueueEnvSchema>;
