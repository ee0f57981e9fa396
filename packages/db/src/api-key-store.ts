/** API keys: only a SHA-256 of each key is stored; the key itself is shown once, at creation. */
import { createHash, randomBytes } from 'node:crypto';
import { DomainError } from '@sweeps/core';
import type { Db } from './client.ts';

/** `read`: GET (and preview); `write`: also create sweeps and steer its own; `admin`: steer every sweep. */
export const KEY_SCOPES = ['read', 'write', 'admin'] as const;
export type KeyScope = (typeof KEY_SCOPES)[number];

/** A key's name: what `keys list` shows, so people can tell keys apart. Printable text, at most 100 characters. */
export const KEY_NAME_PATTERN = /^[^\p{Cc}\p{Cf}\p{Zl}\p{Zp}]{1,100}$/u;

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Creates a key and returns it in clear text (the only time it exists outside the caller). */
export async function createApiKey(
  db: Db,
  scope: KeyScope,
  name: string,
): Promise<{ id: string; key: string; scope: KeyScope; name: string }> {
  if (!KEY_NAME_PATTERN.test(name))
    throw new DomainError(
      'INVALID_REQUEST',
      'A key name is 1 to 100 printable characters (no control or formatting characters).',
      [{ path: 'name', message: 'not a valid key name', value: name }],
    );
  const key = `swk_${randomBytes(24).toString('base64url')}`;
  const id = `key_${randomBytes(6).toString('hex')}`;
  await db.apiKey.create({ data: { id, name, scope, keyHash: hashApiKey(key) } });
  return { id, key, scope, name };
}

/** The key's id, scope and name, or null when unknown or revoked. */
export async function findApiKey(
  db: Db,
  key: string,
): Promise<{ id: string; scope: KeyScope; name: string } | null> {
  const row = await db.apiKey.findUnique({
    where: { keyHash: hashApiKey(key) },
    select: { id: true, scope: true, name: true, revokedAt: true },
  });
  return row && !row.revokedAt ? { id: row.id, scope: row.scope, name: row.name } : null;
}

export interface ApiKeyInfo {
  id: string;
  name: string;
  scope: KeyScope;
  createdAt: Date;
  revokedAt: Date | null;
  /** Sweeps this key created. */
  sweeps: number;
}

/** Every key (never the key itself: only its hash is stored), newest first; revoked ones only when asked. */
export async function listApiKeys(db: Db, includeRevoked = false): Promise<ApiKeyInfo[]> {
  const rows = await db.apiKey.findMany({
    where: includeRevoked ? {} : { revokedAt: null },
    orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
    select: {
      id: true,
      name: true,
      scope: true,
      createdAt: true,
      revokedAt: true,
      _count: { select: { sweeps: true } },
    },
  });
  return rows.map(({ _count, ...r }) => ({ ...r, sweeps: _count.sweeps }));
}

/**
 * Revokes a key by id. API processes remember keys for a few seconds (KEY_CACHE_MS in
 * apps/api/src/key-resolver.ts), so a revoked key stops working everywhere within that time; its dashboard
 * sessions end at once (session-store.ts). Returns false when no such key, or already revoked.
 */
export async function revokeApiKey(db: Db, id: string): Promise<boolean> {
  const n = await db.apiKey.updateMany({
    where: { id, revokedAt: null },
    data: { revokedAt: new Date() },
  });
  return n.count === 1;
}

/**
 * Every live (not revoked) key's hash with its id, scope and name: what an API process holds in memory to answer
 * for keys without a lookup each (see apps/api/src/key-resolver.ts).
 */
export async function listLiveKeyHashes(
  db: Db,
): Promise<Array<{ keyHash: string; id: string; scope: KeyScope; name: string }>> {
  return db.apiKey.findMany({
    where: { revokedAt: null },
    select: { keyHash: true, id: true, scope: true, name: true },
  });
}
