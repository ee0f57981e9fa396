/**
 * Bearer API keys with a scope: `read` for GETs, `write` (which includes read) for changes. The key is checked in
 * `onRequest`, before the body is read: a request without a valid key costs no parsing. Keys are remembered for
 * `KEY_CACHE_MS` (so a revoked key stops working within that time), in a cache of bounded size keyed by the
 * key's hash; unknown keys are not cached but counted per client address, and an address that fails too often
 * is answered 429 without a database lookup.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DomainError } from '@sweeps/core';
import { findApiKey, type Db, type KeyScope } from '@sweeps/db';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Scope a route needs; routes without one are public (health, metrics, docs). */
    scope?: KeyScope;
  }
  interface FastifyRequest {
    apiKeyId?: string;
    apiKeyScope?: KeyScope;
  }
}

/** How long a key lookup is trusted: revoking a key takes effect within this time. */
export const KEY_CACHE_MS = 10_000;
/** Most keys remembered at once (least recently used go first). */
export const KEY_CACHE_SIZE = 5_000;
/** Most client addresses whose failed authentications are counted at once. */
const FAILURE_TABLE_SIZE = 10_000;

/** The shape of every key `sweeps keys create` makes; anything else is refused without a lookup. */
const KEY_SHAPE = /^swk_[A-Za-z0-9_-]{20,100}$/;

type FoundKey = NonNullable<Awaited<ReturnType<typeof findApiKey>>>;

/** A Map used as a bounded least-recently-used cache (Map keeps insertion order). */
class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(k: string): V | undefined {
    const v = this.map.get(k);
    if (v !== undefined) {
      this.map.delete(k);
      this.map.set(k, v);
    }
    return v;
  }
  set(k: string, v: V): void {
    this.map.delete(k);
    this.map.set(k, v);
    while (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
  }
  get size(): number {
    return this.map.size;
  }
}

export interface KeyResolver {
  (token: string): Promise<FoundKey | null>;
  /** Keys currently remembered (bounded by KEY_CACHE_SIZE). */
  cacheSize(): number;
}

/** Looks keys up in PostgreSQL, remembering known keys for KEY_CACHE_MS to keep reads fast. */
export function createKeyResolver(
  db: Db,
  cacheSize = KEY_CACHE_SIZE,
  cacheMs = KEY_CACHE_MS,
): KeyResolver {
  const cache = new Lru<{ at: number; key: FoundKey }>(cacheSize);
  const resolve = async (token: string) => {
    if (!KEY_SHAPE.test(token)) return null;
    const hash = createHash('sha256').update(token).digest('hex');
    const hit = cache.get(hash);
    if (hit && Date.now() - hit.at < cacheMs) return hit.key;
    const key = await findApiKey(db, token);
    if (key) cache.set(hash, { at: Date.now(), key });
    return key;
  };
  return Object.assign(resolve, { cacheSize: () => cache.size });
}

/** Counts failed authentications per client address in one-minute windows. */
export class FailureLimiter {
  private readonly table = new Lru<{ start: number; n: number }>(FAILURE_TABLE_SIZE);
  constructor(private readonly perMinute: number) {}
  /** Seconds until this address may try again, or 0 when it may try now. */
  blockedFor(address: string, now = Date.now()): number {
    const e = this.table.get(address);
    if (!e || now - e.start >= 60_000 || e.n < this.perMinute) return 0;
    return Math.ceil((e.start + 60_000 - now) / 1000);
  }
  fail(address: string, now = Date.now()): void {
    const e = this.table.get(address);
    if (!e || now - e.start >= 60_000) this.table.set(address, { start: now, n: 1 });
    else e.n++;
  }
  /**
   * Checks a key presented from `address` (a bearer key, a sign-in) against this per-address budget: while the
   * address is blocked, RATE_LIMITED with Retry-After and no lookup at all; an unknown or revoked key is
   * UNAUTHORIZED and counts as a failure. `attempts` names them in the 429 message (`failed sign-ins`).
   */
  async admit<K>(
    address: string,
    reply: { header(name: string, value: string): unknown },
    attempts: string,
    lookup: () => Promise<K | null>,
  ): Promise<K> {
    const wait = this.blockedFor(address);
    if (wait > 0) {
      reply.header('retry-after', String(wait));
      throw new DomainError(
        'RATE_LIMITED',
        `Too many ${attempts} from this address; retry in ${wait} s.`,
      );
    }
    const key = await lookup();
    if (!key) {
      this.fail(address);
      throw new DomainError('UNAUTHORIZED', 'This API key is unknown or revoked.');
    }
    return key;
  }
}

export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return m?.[1];
}

/** Whether a key of scope `has` may use a route that needs `needs`. */
export function scopeAllows(has: KeyScope, needs: KeyScope): boolean {
  const rank: Record<string, number> = { read: 0, write: 1, admin: 2 };
  return (rank[has] ?? -1) >= (rank[needs] ?? 99);
}

/**
 * The key of a request that may or may not send one (public routes that show more to key holders), or null.
 * Failures here are not counted: the route is public anyway.
 */
export async function optionalKey(
  request: FastifyRequest,
  resolve: KeyResolver,
): Promise<FoundKey | null> {
  const token = bearerToken(request);
  return token ? resolve(token).catch(() => null) : null;
}

export function installAuth(
  app: FastifyInstance,
  resolve: KeyResolver,
  failures: FailureLimiter,
): void {
  app.addHook('onRequest', async (request, reply) => {
    const needed = request.routeOptions.config.scope;
    if (!needed) return;
    const token = bearerToken(request);
    if (!token)
      throw new DomainError(
        'UNAUTHORIZED',
        'Send an API key: "Authorization: Bearer <key>" (create one with `sweeps keys create --scope write`).',
      );
    const key = await failures.admit(request.ip, reply, 'failed authentications', () =>
      resolve(token),
    );
    if (!scopeAllows(key.scope, needed))
      throw new DomainError(
        'FORBIDDEN',
        `This API key has scope "${key.scope}"; this request needs a key with scope "${needed}".`,
      );
    request.apiKeyId = key.id;
    request.apiKeyScope = key.scope;
  });
}

/** The verified key of a request on a route with a scope (set by the onRequest hook). */
export function callerOf(request: FastifyRequest): { id: string; scope: KeyScope } {
  if (!request.apiKeyId || !request.apiKeyScope)
    throw new DomainError('UNAUTHORIZED', 'This request needs an API key.');
  return { id: request.apiKeyId, scope: request.apiKeyScope };
}
