/**
 * Identical reads share their work: while one computation of a body (a sweep's grid, its best table) is in flight,
 * identical requests that arrive wait for the next one, which starts when it ends and serves all of them with one
 * database round and one serialized JSON text. A request is therefore never answered with data read before it
 * arrived, and a sweep read by 50 dashboards at once costs about one computation at a time instead of 50.
 */
import type { z } from 'zod';

export class SharedReads {
  private readonly running = new Map<string, Promise<string>>();
  private readonly next = new Map<string, Promise<string>>();

  /**
   * The JSON text of `compute()`'s result, checked against `schema` (as the route's response schema would), shared
   * with every identical request (same `key`) that arrived before the computation started.
   */
  json<T>(key: string, schema: z.ZodType<T>, compute: () => Promise<T>): Promise<string> {
    const queued = this.next.get(key);
    if (queued) return queued;
    const current = this.running.get(key);
    if (!current) return this.start(key, schema, compute);
    // Started before this request arrived: it may have read older data. Wait for it, then start a fresh one.
    const fresh = current
      .catch(() => undefined)
      .then(() => {
        this.next.delete(key);
        return this.start(key, schema, compute);
      });
    this.next.set(key, fresh);
    return fresh;
  }

  private start<T>(key: string, schema: z.ZodType<T>, compute: () => Promise<T>): Promise<string> {
    const work = compute().then((value) => JSON.stringify(schema.parse(value)));
    const done = work.finally(() => {
      if (this.running.get(key) === done) this.running.delete(key);
    });
    this.running.set(key, done);
    return done;
  }
}
