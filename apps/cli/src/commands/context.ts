import type { Command } from 'commander';
import { ApiClient } from '../api-client.ts';
import type { CliEnv } from '../env.ts';

/** The API client for a command, from global flags or the environment. */
export function clientFor(cmd: Command, env: CliEnv): ApiClient {
  const g = cmd.optsWithGlobals<{ apiUrl?: string; apiKey?: string }>();
  const apiKey = g.apiKey ?? env.SWEEPS_API_KEY;
  return new ApiClient({ baseUrl: g.apiUrl ?? env.SWEEPS_API_URL, ...(apiKey ? { apiKey } : {}) });
}

export const out = (text: string) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
