import { Redis } from 'ioredis';

/** How long a request-path Redis command may take before it fails (the API must not hang on a silent Redis). */
export const REQUEST_COMMAND_TIMEOUT_MS = 2_000;

/**
 * A Redis connection as BullMQ needs it. Workers (blocking commands) wait for Redis as long as it takes; with
 * `failFast` (the API's producer), a command fails after one reconnection attempt or REQUEST_COMMAND_TIMEOUT_MS.
 */
export function createRedis(url: string, opts: { failFast?: boolean } = {}): Redis {
  if (opts.failFast)
    return new Redis(url, {
      maxRetriesPerRequest: 1,
      commandTimeout: REQUEST_COMMAND_TIMEOUT_MS,
      connectTimeout: REQUEST_COMMAND_TIMEOUT_MS,
      enableReadyCheck: true,
      lazyConnect: false,
    });
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false });
}

/** Whether an error means Redis could not be reached or did not answer in time. */
export function isRedisUnreachable(err: unknown): boolean {
  const e = err as { name?: string; message?: string; code?: string } | null;
  if (!e || typeof e !== 'object') return false;
  if (e.name === 'MaxRetriesPerRequestError') return true;
  return /Command timed out|Connection is closed|Stream isn't writeable|ECONNREFUSED|ECONNRESET|ETIMEDOUT/.test(
    e.message ?? '',
  );
}
