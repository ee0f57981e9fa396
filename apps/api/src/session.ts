/**
 * Browser sessions: `POST /api/v1/session` takes an API key and answers with a short-lived cookie (HttpOnly,
 * SameSite=Strict) holding that key encrypted (AES-256-GCM) with an expiry. On each request without an
 * Authorization header, the cookie is opened and its key sent on to the ordinary bearer check, so a revoked key
 * stops working at once and every scope rule stays in auth.ts. EventSource cannot send headers: this is how the
 * dashboard's live stream authenticates.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorBodySchema, SessionSchema, SignInBodySchema } from '@sweeps/api-client/schemas';
import { findApiKey, type Db } from '@sweeps/db';
import { callerOf, type FailureLimiter } from './auth.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set when the request was authenticated by the session cookie. */
    sessionExpiresAt?: Date;
  }
}

export const SESSION_COOKIE = 'sweeps_session';

export interface SessionOptions {
  /** Encrypts the cookies; replicas behind one address need the same one. Random per process when unset. */
  secret?: string;
  ttlSeconds: number;
}

/** Seals and opens session tokens: base64url(iv | tag | ciphertext of {k, e}). */
export function sessionSealer(secret: string | undefined) {
  const key = createHash('sha256')
    .update(secret ?? randomBytes(32))
    .digest();
  return {
    seal(apiKey: string, expiresAt: Date): string {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([
        c.update(JSON.stringify({ k: apiKey, e: expiresAt.getTime() })),
        c.final(),
      ]);
      return Buffer.concat([iv, c.getAuthTag(), body]).toString('base64url');
    },
    open(token: string, now = Date.now()): { apiKey: string; expiresAt: Date } | null {
      if (token.length > 1000) return null;
      try {
        const raw = Buffer.from(token, 'base64url');
        const d = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
        d.setAuthTag(raw.subarray(12, 28));
        const text = Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString();
        const v = JSON.parse(text) as { k?: unknown; e?: unknown };
        if (typeof v.k !== 'string' || typeof v.e !== 'number' || v.e <= now) return null;
        return { apiKey: v.k, expiresAt: new Date(v.e) };
      } catch {
        return null;
      }
    },
  };
}

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

/** Opens the session cookie on each request (before rate limiting and auth see it). */
export function installSession(app: FastifyInstance, opts: SessionOptions) {
  const sealer = sessionSealer(opts.secret);
  app.addHook('onRequest', async (request) => {
    if (request.headers.authorization) return;
    const token = cookieValue(request, SESSION_COOKIE);
    if (!token || crossSite(request)) return;
    const s = sealer.open(token);
    if (!s) return;
    request.headers.authorization = `Bearer ${s.apiKey}`;
    request.sessionExpiresAt = s.expiresAt;
  });
  return sealer;
}

/** POST/GET/DELETE /api/v1/session. */
export function sessionRoutes(
  db: Db,
  opts: SessionOptions,
  sealer: ReturnType<typeof sessionSealer>,
  failures: FailureLimiter,
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
        const key = await failures.admit(req.ip, reply, 'failed sign-ins', () =>
          findApiKey(db, req.body.key),
        );
        const expiresAt = new Date(Date.now() + opts.ttlSeconds * 1000);
        setCookie(reply, req, sealer.seal(req.body.key, expiresAt), opts.ttlSeconds);
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
          summary: 'Sign out: clears the session cookie',
          security: [],
          response: { 200: z.object({ signedOut: z.literal(true) }) },
        },
      },
      async (req, reply) => {
        setCookie(reply, req, '', 0);
        return { signedOut: true as const };
      },
    );
  };
}
