/**
 * Dashboard sessions: one row per sign-in, keyed by the SHA-256 of the random token its cookie carries (the token
 * itself is never stored). A session is live while it is not expired, not signed out, and its key not revoked;
 * every API replica asks this table, so signing out on one replica ends the session on all of them.
 */
import { createHash } from 'node:crypto';
import type { Db } from './client.ts';
import type { KeyScope } from './api-key-store.ts';

/** The key behind a live session, and when the session runs out. */
export interface LiveSession {
  apiKeyId: string;
  scope: KeyScope;
  expiresAt: Date;
}

export function hashSessionToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Records a sign-in; also deletes sessions that ran out more than a day ago, so the table stays small. */
export async function createSession(
  db: Db,
  token: string,
  apiKeyId: string,
  expiresAt: Date,
): Promise<void> {
  await db.session.create({ data: { tokenHash: hashSessionToken(token), apiKeyId, expiresAt } });
  await db.session.deleteMany({ where: { expiresAt: { lt: new Date(Date.now() - 86_400_000) } } });
}

/** The session's key and expiry, or null when unknown, expired, signed out, or its key is revoked. */
export async function findLiveSession(
  db: Db,
  token: string,
  now = new Date(),
): Promise<LiveSession | null> {
  const row = await db.session.findUnique({
    where: { tokenHash: hashSessionToken(token) },
    select: {
      expiresAt: true,
      revokedAt: true,
      apiKey: { select: { id: true, scope: true, revokedAt: true } },
    },
  });
  if (!row || row.revokedAt || row.apiKey.revokedAt || row.expiresAt <= now) return null;
  return { apiKeyId: row.apiKey.id, scope: row.apiKey.scope, expiresAt: row.expiresAt };
}

/** Signs a session out (idempotent): from now on no replica accepts its cookie. */
export async function revokeSession(db: Db, token: string): Promise<void> {
  await db.session.updateMany({
    where: { tokenHash: hashSessionToken(token), revokedAt: null },
    data: { revokedAt: new Date() },
  });
}
