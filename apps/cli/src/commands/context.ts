import type { Command } from 'commander';
import { ApiClient } from '../api-client.ts';
import type { CliEnv } from '../env.ts';
import { printable } from '../printable.ts';

/** The API client for a command, from global flags or the environment. */
export function clientFor(cmd: Command, env: CliEnv): ApiClient {
  const g = cmd.optsWithGlobals<{ apiUrl?: string; apiKey?: string }>();
  const apiKey = g.apiKey ?? env.SWEEPS_API_KEY;
  return new ApiClient({ baseUrl: g.apiUrl ?? env.SWEEPS_API_URL, ...(apiKey ? { apiKey } : {}) });
}

/** Prints to stdout, control characters escaped (see printable.ts). */
export const out = (text: string) => {
  const safe = printable(text);
  process.stdout.write(safe.endsWith('\n') ? safe : `${safe}\n`);
};

/** Prints to stderr, control characters escaped. */
export const err = (text: string) => {
  process.stderr.write(`${printable(text)}\n`);
};
