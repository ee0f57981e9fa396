/**
 * Browser sessions: `POST /api/v1/session` takes an API key and answers with a short-lived cookie (HttpOnly,
 * SameSite=Strict) holding a random token, its expiry and an HMAC of both. The session lives in PostgreSQL (only
 * the token's SHA-256 is stored, see packages/db session-store.ts): every request with the cookie asks it, so
 * signing out (`DELETE /api/v1/session`) or revoking the key ends the session on every API replica at once. The
 * HMAC lets a forged or expired cookie be refused without a lookup. The cookie never holds the key. EventSource
 * cannot send headers: this is how the dashboard's live stream authenticates.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorBodySchema, SessionSchema, SignInBodySchema } from '@sweeps/api-client/schemas';
import { createSession, revokeSession, type Db } from '@sweeps/db';
import { type Authenticator, callerOf } from './auth.ts';

export const SESSION_COOKIE = 'sweeps_session';

export interface SessionOptions {
  /** Signs the cookies; replicas behind one address need the same one. Random per process when unset. */
  secret?: string;
  ttlSeconds: number;
}

/** token (24 random bytes) . expiry (ms since 1970) . HMAC-SHA-256 of both, all base64url or decimal. */
const COOKIE_SHAPE = /^([A-Za-z0-9_-]{32})\.(\d{1,15})\.([A-Za-z0-9_-]{43})$/;

/** Issues and opens session cookie values. */
export function sessionCookies(secret: string | undefined) {
  const key = createHash('sha256')
    .update(secret ?? randomBytes(32))
    .digest();
  const sign = (token: string, expires: string) =>
    createHmac('sha256', key).update(`session.${token}.${expires}`).digest();
  return {
    issue(expiresAt: Date): { token: string; value: string } {
      const token = randomBytes(24).toString('base64url');
      const expires = String(expiresAt.getTime());
      return { token, value: `${token}.${expires}.${sign(token, expires).toString('base64url')}` };
    },
    /** The token and expiry of a cookie this process (or one with the same secret) issued; null otherwise. */
    open(value: string): { token: string; expiresAt: Date } | null {
      const m = COOKIE_SHAPE.exec(value);
      if (!m) return null;
      const [, token, expires, mac] = m as unknown as [string, string, string, string];
      const given = Buffer.from(mac, 'base64url');
      const expected = sign(token, expires);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
      return { token, expiresAt: new Date(Number(expires)) };
    },
  };
}
export type SessionCookies = ReturnType<typeof sessionCookies>;

function cookieValue(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (!header || header.length > 8192) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

/** A write from another site never rides on the cookie (SameSite=Strict already stops it in browsers). */
function crossSite(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  if (!origin || request.method === 'GET' || request.method === 'HEAD') return false;
  try {
    return new URL(origin).host !== request.headers.host;
  } catch {
    return true;
  }
}

function setCookie(reply: FastifyReply, request: FastifyRequest, value: string, maxAge: number) {
  const secure = request.protocol === 'https' ? '; Secure' : '';
  reply.header(
    'set-cookie',
    `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure}`,
  );
}

/**
 * Reads the session cookie on each request without an Authorization header (before auth sees it): a cookie whose
 * signature holds becomes the request's credential; auth.ts then asks PostgreSQL whether it is still live.
 */
export function installSession(app: FastifyInstance, cookies: SessionCookies) {
  app.addHook('onRequest', async (request) => {
    if (request.headers.authorization) return;
    const value = cookieValue(request, SESSION_COOKIE);
    if (!value || crossSite(request)) return;
    const opened = cookies.open(value);
    if (opened) request.credential = { kind: 'session', ...opened };
  });
}

/** POST/GET/DELETE /api/v1/session. */
export function sessionRoutes(
  db: Db,
  opts: SessionOptions,
  cookies: SessionCookies,
  auth: Authenticator,
): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/session',
      {
        schema: {
          tags: ['session'],
          summary: 'Exchange an API key for a short-lived session cookie (for the dashboard)',
          body: SignInBodySchema,
          security: [],
          response: { 200: SessionSchema, '4xx': ErrorBodySchema },
        },
      },
      async (req, reply) => {
        // Sign-in guesses count against the same per-address budget as failed bearer keys.
        const key = await auth.admitKey(req.ip, reply, req.body.key, 'failed sign-ins');
        const expiresAt = new Date(Date.now() + opts.ttlSeconds * 1000);
        const issued = cookies.issue(expiresAt);
        await createSession(db, issued.token, key.id, expiresAt);
        setCookie(reply, req, issued.value, opts.ttlSeconds);
        return { scope: key.scope, expiresAt: expiresAt.toISOString() };
      },
    );
    app.get(
      '/session',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['session'],
          summary: "The caller's scope (and, for a session cookie, when it runs out)",
          response: { 200: SessionSchema, '4xx': ErrorBodySchema },
        },
      },
      async (req) => {
        // The onRequest hook has already verified the key (bearer or cookie): no second lookup.
        const { scope } = callerOf(req);
        return { scope, expiresAt: req.sessionExpiresAt?.toISOString() ?? null };
      },
    );
    app.delete(
      '/session',
      {
        schema: {
          tags: ['session'],
          summary:
            'Sign out: ends the session on every API replica (a copy of the cookie stops working too) and clears the cookie',
          security: [],
          response: { 200: z.object({ signedOut: z.literal(true) }) },
        },
      },
      async (req, reply) => {
        if (req.credential?.kind === 'session') await revokeSession(db, req.credential.token);
        setCookie(reply, req, '', 0);
        return { signedOut: true as const };
      },
    );
  };
}
