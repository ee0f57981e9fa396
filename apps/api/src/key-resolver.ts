/**
 * Answers "which key is this?" for bearer keys, cheaply. A key is compared only through its SHA-256 (a hash-table
 * or index lookup of the digest, so timing says nothing about the key), and:
 * - known keys are remembered for `cacheMs` (a revoked key stops working within that time), in a bounded cache;
 * - an unknown key is one indexed PostgreSQL lookup (`resolve`), or, for an address already over its budget of
 *   failed authentications, an in-memory check against the list of every live key's hash, reloaded at most once
 *   a second (`resolveWithoutLookup`): such an address still gets in with a valid key, and its further guesses
 *   cost no database work at all, however many it sends.
 */
import { findApiKey, hashApiKey, listLiveKeyHashes, type Db, type KeyScope } from '@sweeps/db';

/** How long a key lookup is trusted: revoking a key takes effect within this time. */
export const KEY_CACHE_MS = 5_000;
/** Most keys remembered at once (least recently used go first). */
export const KEY_CACHE_SIZE = 5_000;
/** The list of live keys (used for addresses over their failure budget) is reloaded at most this often. */
export const LIVE_KEYS_RELOAD_MS = 1_000;

/** The shape of every key `sweeps keys create` makes; anything else is refused without a lookup. */
const KEY_SHAPE = /^swk_[A-Za-z0-9_-]{20,100}$/;

export interface FoundKey {
  id: string;
  scope: KeyScope;
  name: string;
}

/** A Map used as a bounded least-recently-used cache (Map keeps insertion order). */
export class Lru<V> {
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
  /** The key, or null when unknown or revoked: the cache, then one indexed lookup. */
  (token: string): Promise<FoundKey | null>;
  /** The same answer from the cache and the in-memory list of live keys (reloaded at most once a second). */
  resolveWithoutLookup(token: string): Promise<FoundKey | null>;
  /** Keys currently remembered (bounded by KEY_CACHE_SIZE). */
  cacheSize(): number;
}

/** The list of every live key's hash, reloaded on demand at most once per `reloadMs` (one load at a time). */
function liveKeyList(db: Db, reloadMs: number) {
  let keys = new Map<string, FoundKey>();
  let loadedAt = Number.NEGATIVE_INFINITY;
  let loading: Promise<void> | null = null;
  const reload = async () => {
    const started = Date.now();
    const rows = await listLiveKeyHashes(db);
    keys = new Map(rows.map((r) => [r.keyHash, { id: r.id, scope: r.scope, name: r.name }]));
    loadedAt = started;
  };
  return async (hash: string): Promise<FoundKey | null> => {
    if (Date.now() - loadedAt >= reloadMs) {
      loading ??= reload().finally(() => {
        loading = null;
      });
      await loading;
    }
    return keys.get(hash) ?? null;
  };
}

/** Looks keys up in PostgreSQL, remembering known keys for `cacheMs` to keep requests fast. */
export function createKeyResolver(
  db: Db,
  cacheSize = KEY_CACHE_SIZE,
  cacheMs = KEY_CACHE_MS,
  reloadMs = LIVE_KEYS_RELOAD_MS,
): KeyResolver {
  const cache = new Lru<{ at: number; key: FoundKey }>(cacheSize);
  const live = liveKeyList(db, reloadMs);
  const cached = (hash: string) => {
    const hit = cache.get(hash);
    return hit && Date.now() - hit.at < cacheMs ? hit.key : null;
  };
  const remember = (hash: string, key: FoundKey | null) => {
    if (key) cache.set(hash, { at: Date.now(), key });
    return key;
  };
  const resolve = async (token: string) => {
    if (!KEY_SHAPE.test(token)) return null;
    const hash = hashApiKey(token);
    return cached(hash) ?? remember(hash, await findApiKey(db, token));
  };
  const resolveWithoutLookup = async (token: string) => {
    if (!KEY_SHAPE.test(token)) return null;
    const hash = hashApiKey(token);
    return cached(hash) ?? remember(hash, await live(hash));
  };
  return Object.assign(resolve, { resolveWithoutLookup, cacheSize: () => cache.size });
}
