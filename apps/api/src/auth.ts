/**
 * Who is calling: a bearer API key with a scope (`read` for GETs, `write` (which includes read) for changes,
 * `admin`), or a dashboard session cookie standing for one. Checked in `onRequest`, before the body is read: a
 * request without valid credentials costs no parsing. The key is always checked before the per-address failure
 * limit (failure-limiter.ts), so a valid key is served from an address others have failed from; checks are
 * cheap (key-resolver.ts). Open event streams ask `recheck` every few seconds whether their credentials still
 * hold.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '@sweeps/core';
import type { KeyScope, LiveSession } from '@sweeps/db';
import type { FailureLimiter } from './failure-limiter.ts';
import type { FoundKey, KeyResolver } from './key-resolver.ts';

/** What a request authenticated with: the bearer key itself, or a session cookie's token and expiry. */
export type Credential =
  | { kind: 'key'; token: string }
  | { kind: 'session'; token: string; expiresAt: Date };

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Scope a route needs; routes without one are public (health, metrics, docs). */
    scope?: KeyScope;
  }
  interface FastifyRequest {
    /** Set by the session hook (a cookie whose signature holds) and by the bearer check. */
    credential?: Credential;
    apiKeyId?: string;
    apiKeyScope?: KeyScope;
    /** Set when the request was authenticated by the session cookie. */
    sessionExpiresAt?: Date;
  }
}

/** Why credentials that once held no longer do (the `closed` event of a stream says it). */
export interface Ended {
  reason: 'key-revoked' | 'session-expired' | 'session-ended';
  message: string;
}

const ENDED: Record<Ended['reason'], string> = {
  'key-revoked': 'This API key is unknown or revoked.',
  'session-expired': 'Your session has expired; sign in again.',
  'session-ended': 'This session was signed out, or its key revoked; sign in again.',
};

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

type Caller = { id: string; scope: KeyScope };

export class Authenticator {
  constructor(
    private readonly keys: KeyResolver,
    private readonly failures: FailureLimiter,
    private readonly findSession: (token: string) => Promise<LiveSession | null>,
  ) {}

  /** A session's key, or why it no longer stands for one. */
  private async session(c: Credential & { kind: 'session' }): Promise<Caller | Ended> {
    if (c.expiresAt.getTime() <= Date.now())
      return { reason: 'session-expired', message: ENDED['session-expired'] };
    const s = await this.findSession(c.token);
    if (!s) return { reason: 'session-ended', message: ENDED['session-ended'] };
    return { id: s.apiKeyId, scope: s.scope };
  }

  /** A key presented from `address` (bearer or sign-in), under the per-address failure limit. */
  admitKey(address: string, reply: FastifyReply, token: string, attempts: string) {
    return this.failures.admit<FoundKey>(address, reply, attempts, (overBudget) =>
      overBudget ? this.keys.resolveWithoutLookup(token) : this.keys(token),
    );
  }

  /** The caller of a request on a route with a scope; UNAUTHORIZED or RATE_LIMITED otherwise. */
  async authenticate(request: FastifyRequest, reply: FastifyReply): Promise<Caller> {
    const token = bearerToken(request);
    if (token) {
      request.credential = { kind: 'key', token };
      return this.admitKey(request.ip, reply, token, 'failed authentications');
    }
    const c = request.credential;
    if (c?.kind === 'session') {
      const who = await this.session(c);
      if ('reason' in who) throw new DomainError('UNAUTHORIZED', who.message);
      request.sessionExpiresAt = c.expiresAt;
      return who;
    }
    throw new DomainError(
      'UNAUTHORIZED',
      'Send an API key: "Authorization: Bearer <key>" (create one with `sweeps keys create --scope write`).',
    );
  }

  /**
   * The caller of a request on a public route that shows more to key holders, or null. Failures are not
   * counted here (the route is public anyway), so keys are checked against the in-memory list of live keys.
   */
  async optional(request: FastifyRequest): Promise<Caller | null> {
    const token = bearerToken(request);
    if (token) return this.keys.resolveWithoutLookup(token).catch(() => null);
    const c = request.credential;
    if (c?.kind !== 'session') return null;
    const who = await this.session(c).catch(() => null);
    return who && !('reason' in who) ? who : null;
  }

  /**
   * Whether an authenticated request's credentials still hold (for long-lived streams): null when they do, or
   * why not. Errors reaching PostgreSQL propagate: the caller keeps the stream and asks again later.
   */
  async recheck(request: FastifyRequest): Promise<Ended | null> {
    const c = request.credential;
    if (!c) return null;
    if (c.kind === 'key')
      return (await this.keys(c.token))
        ? null
        : { reason: 'key-revoked', message: ENDED['key-revoked'] };
    const who = await this.session(c);
    return 'reason' in who ? who : null;
  }
}

export function installAuth(app: FastifyInstance, auth: Authenticator): void {
  app.addHook('onRequest', async (request, reply) => {
    const needed = request.routeOptions.config.scope;
    if (!needed) return;
    const key = await auth.authenticate(request, reply);
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

/**
 * The rate limit's bucket of a request: its session for a signed-in dashboard (each browser sign-in has its own,
 * though a team's pages often share one read key), else its verified key, else its address (public routes).
 */
export function rateLimitBucket(request: FastifyRequest): string {
  if (request.apiKeyId && request.credential?.kind === 'session')
    return `session:${createHash('sha256').update(request.credential.token).digest('base64url').slice(0, 22)}`;
  return request.apiKeyId ? `key:${request.apiKeyId}` : `ip:${request.ip}`;
}
