import { z } from 'zod';
import { readSecretFiles } from './secret-files.ts';

/**
 * Connection settings of the database layer (the API and the worker extend this schema). Default: the local
 * PostgreSQL's `sweeps` database.
 */
export const DbEnvSchema = z.object({
  DATABASE_URL: z.string().url().default('postgresql://postgres@127.0.0.1:5432/sweeps'),
});
export type DbEnv = z.infer<typeof DbEnvSchema>;

/** `DATABASE_URL` may be given as a file instead (`DATABASE_URL_FILE`, secret-files.ts). */
export function readDbEnv(source: NodeJS.ProcessEnv = process.env): DbEnv {
  return DbEnvSchema.parse({ ...source, ...readSecretFiles(source, ['DATABASE_URL']) });
}
