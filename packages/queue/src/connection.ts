import { Redis } from 'ioredis';

/** A Redis connection as BullMQ needs it (blocking commands must not time out). */
export function createRedis(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false });
}
