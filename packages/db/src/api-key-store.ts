/** API keys: only a SHA-256 of each key is stored; the key itself is shown once, at creation. */
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from './client.ts';

export type KeyScope = 'read' | 'write';

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Creates a key and returns it in clear text (the only time it exists outside the caller). */
export async function createApiKey(
  db: Db,
  scope: KeyScope,
  name: string,
): Promise<{ id: string; key: string; scope: KeyScope }> {
  const key = `swk_${randomBytes(24).toString('base64url')}`;
  const id = `key_${randomBytes(6).toString('hex')}`;
  await db.apiKey.create({ data: { id, name, scope, keyHash: hashApiKey(key) } });
  return { id, key, scope };
}

/** The key's id and scope, or null when unknown or revoked. */
export async function findApiKey(
  db: Db,
  key: string,
): Promise<{ id: string; scope: KeyScope } | null> {
  const row = await db.apiKey.findUnique({
    where: { keyHash: hashApiKey(key) },
    select: { id: true, scope: true, revokedAt: true },
  });
  return row && !row.revokedAt ? { id: row.id, scope: row.scope } : null;
}
