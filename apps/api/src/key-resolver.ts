/**
 * Answers "which key is this?" for bearer keys, cheaply. A key is compared only through its SHA-256 (a hash-table
 * or index lookup of the digest, so timing says nothing about the key), and:
 * - known keys are remembered for `cacheMs` (a revoked key stops working within that time), in a bounded cache;
 * - an unknown key is one indexed PostgreSQL lookup (`resolve`), or, for an address already over its budget of
 *   failed authentications, a check against the in-memory list of every live key's hash
 *   (`resolveWithoutLookup`): such an address still gets in with a valid key (one created a moment ago too),
 *   and its further guesses share one reload of that list a second, however many it sends, each waiting for it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { findApiKey, hashApiKey, listLiveKeyHashes, type Db, type KeyScope } from '@sweeps/db';

/** How long a key lookup is trusted: revoking a key takes effect within this time. */
export const KEY_CACHE_MS = 5_000;
/** Most keys remembered at once (least recently used go first). */
export const KEY_CACHE_SIZE = 5_000;
/** The list of live keys (checked for addresses over their failure budget) is reloaded at most this often. */
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
  /** The same answer from the cache and the in-memory list of live keys (one reload a second at most). */
  resolveWithoutLookup(token: string): Promise<FoundKey | null>;
  /** Keys currently remembered (bounded by KEY_CACHE_SIZE). */
  cacheSize(): number;
  /** How many times the list of live keys was loaded (for tests). */
  liveListLoads(): number;
}

/**
 * The list of every live key's hash. A key missing from it is answered only from a load that started after the
 * question was asked (so a key created a moment ago is found), and loads start at most once per `reloadMs`,
 * one at a time: any number of guesses share one query a second, and each waits for it (up to `reloadMs`).
 */
function liveKeyList(db: Db, reloadMs: number, maxAgeMs: number) {
  let keys = new Map<string, FoundKey>();
  let loadedAt = Number.NEGATIVE_INFINITY; // when the load behind `keys` started
  let lastStart = Number.NEGATIVE_INFINITY;
  let next: { startAt: number; done: Promise<void> } | null = null;
  let loads = 0;
  const load = async (after: Promise<unknown> | undefined, startAt: number) => {
    await after;
    if (startAt > Date.now()) await sleep(startAt - Date.now());
    const started = Date.now();
    lastStart = started;
    loads++;
    const rows = await listLiveKeyHashes(db);
    keys = new Map(rows.map((r) => [r.keyHash, { id: r.id, scope: r.scope, name: r.name }]));
    loadedAt = started;
  };
  /** A load that starts at or after `t`: the one already planned, or a new one after it. */
  const loadAfter = (t: number): Promise<void> => {
    if (next && next.startAt >= t) return next.done;
    const startAt = Math.max(t, lastStart + reloadMs);
    const done = load(
      next?.done.catch(() => undefined),
      startAt,
    );
    next = { startAt, done };
    return done;
  };
  const find = async (hash: string): Promise<FoundKey | null> => {
    const asked = Date.now();
    const hit = asked - loadedAt < maxAgeMs ? keys.get(hash) : undefined;
    if (hit) return hit;
    await loadAfter(asked);
    return keys.get(hash) ?? null;
  };
  return { find, loads: () => loads };
}

/** Looks keys up in PostgreSQL, remembering known keys for `cacheMs` to keep requests fast. */
export function createKeyResolver(
  db: Db,
  cacheSize = KEY_CACHE_SIZE,
  cacheMs = KEY_CACHE_MS,
  reloadMs = LIVE_KEYS_RELOAD_MS,
): KeyResolver {
  const cache = new Lru<{ at: number; key: FoundKey }>(cacheSize);
  const live = liveKeyList(db, reloadMs, cacheMs);
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
    return cached(hash) ?? remember(hash, await live.find(hash));
  };
  return Object.assign(resolve, {
    resolveWithoutLookup,
    cacheSize: () => cache.size,
    liveListLoads: live.loads,
  });
}
