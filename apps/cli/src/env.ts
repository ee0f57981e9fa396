import { z } from 'zod';

/** Where the CLI finds the API. */
export const CliEnvSchema = z.object({
  SWEEPS_API_URL: z.string().url().default('http://127.0.0.1:8080'),
  SWEEPS_API_KEY: z.string().min(1).optional(),
});
export type CliEnv = z.infer<typeof CliEnvSchema>;

export function readCliEnv(source: NodeJS.ProcessEnv = process.env): CliEnv {
  return CliEnvSchema.parse(source);
}
