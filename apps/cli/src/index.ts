/**
 * `@sweeps/cli`'s public entry, for scripts that drive a sweep the way the `sweeps` command does (the demo):
 * the API client, reading a sweep file, and the progress watcher of `sweeps status --watch`.
 */
export { ApiClient, ApiError, type ClientOptions } from './api-client.ts';
export { readSpecFile } from './read-spec.ts';
export { watch, type SweepView } from './commands/sweep-commands.ts';
