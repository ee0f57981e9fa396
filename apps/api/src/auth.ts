/** Bearer API keys with a scope: `read` for GETs, `write` (which includes read) for changes. */
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
  }
}

const CACHE_MS = 10_000;

/** Looks keys up in PostgreSQL, remembering answers for a few seconds to keep reads fast. */
export function createKeyResolver(db: Db) {
  const cache = new Map<string, { at: number; key: Awaited<ReturnType<typeof findApiKey>> }>();
  return async (token: string) => {
    const hit = cache.get(token);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.key;
    const key = await findApiKey(db, token);
    if (cache.size > 10_000) cache.clear();
    cache.set(token, { at: Date.now(), key });
    return key;
  };
}

export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return m?.[1];
}

export function installAuth(
  app: FastifyInstance,
  resolve: ReturnType<typeof createKeyResolver>,
): void {
  app.addHook('preHandler', async (request) => {
    const needed = request.routeOptions.config.scope;
    if (!needed) return;
    const token = bearerToken(request);
    if (!token)
      throw new DomainError(
        'UNAUTHORIZED',
        'Send an API key: "Authorization: Bearer <key>" (create one with `sweeps keys create --scope write`).',
      );
    const key = await resolve(token);
    if (!key) throw new DomainError('UNAUTHORIZED', 'This API key is unknown or revoked.');
    if (needed === 'write' && key.scope !== 'write')
      throw new DomainError(
        'FORBIDDEN',
        'This API key may only read; this request needs a key with scope "write".',
      );
    request.apiKeyId = key.id;
  });
}
