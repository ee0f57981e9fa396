/**
 * A sweep's aggregates (grid, best table, counts) computed at most once per interval, whatever the number of
 * readers: the first request after the interval starts one computation (never two at once for one view), and
 * readers are answered with its JSON text, serialized once and shared. While it runs, readers get the previous
 * text if it is less than a second old (else they wait for the new one): no reader gets data read more than a
 * second before it asked, and under load the database sees one computation per view at a time. A write through this API replica
 * (cancel, extend, retry) calls {@link IntervalReads.invalidate}, so the caller's next read sees it; another
 * replica's cache is not told and may serve its copy until its interval ends.
 */
import type { ApiDeps } from './deps.ts';
import { SharedJson } from './shared-json.ts';

/** Default of SWEEPS_READ_INTERVAL_MS. */
export const DEFAULT_READ_INTERVAL_MS = 250;

/** No reader gets a text computed longer ago than this (while a newer one is computed, the last one is served). */
export const MAX_STALE_MS = 1000;

interface Entry {
  sweepId: string;
  generation: number;
  /** The last finished computation: when it started and its text. */
  done: { startedAt: number; body: SharedJson } | null;
  /** The computation in flight, if any: never more than one per key. */
  running: { startedAt: number; body: Promise<SharedJson> } | null;
}

/**
 * Above this many kept entries, those past {@link MAX_STALE_MS} are dropped when a new one is made: texts are only
 * held for the sweeps read in the last second (plus a few), not for every sweep ever read (a grid may be 2 MB).
 */
const EXPIRE_ABOVE = 16;

export class IntervalReads {
  private readonly entries = new Map<string, Entry>();
  /** Bumped by `invalidate`: entries of an older generation are never served again. */
  private readonly generations = new Map<string, number>();
  private readonly counts = new Map<string, number>();
  private readonly invalidated: Array<(sweepId: string) => void> = [];

  constructor(
    /** How long one computation's text is served as fresh (0: never shared beyond the request). */
    readonly intervalMs = DEFAULT_READ_INTERVAL_MS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /**
   * The body `compute()` gives for `key` (a view of `sweepId`; `view` names it for {@link computations}): the one
   * computed less than `intervalMs` ago; past that, a new computation starts (one at a time per key) and readers
   * get the last text while it is younger than {@link MAX_STALE_MS}, else wait for the new one.
   */
  json(
    sweepId: string,
    view: string,
    key: string,
    compute: () => Promise<string | SharedJson>,
  ): Promise<SharedJson> {
    if (this.intervalMs === 0) {
      this.counts.set(view, (this.counts.get(view) ?? 0) + 1);
      return compute().then(shared);
    }
    const entry = this.entryOf(sweepId, key);
    const age = entry.done ? this.now() - entry.done.startedAt : Number.POSITIVE_INFINITY;
    if (entry.done && age < this.intervalMs) return Promise.resolve(entry.done.body);
    const running = entry.running ?? this.start(entry, view, key, compute);
    return entry.done && age < Math.max(MAX_STALE_MS, this.intervalMs)
      ? Promise.resolve(entry.done.body)
      : running.body;
  }

  /** Calls `fn` at each {@link invalidate} (what else this replica keeps of a sweep: its grid tally). */
  onInvalidate(fn: (sweepId: string) => void): void {
    this.invalidated.push(fn);
  }

  /** Forgets every kept text of the sweep, and any computation in flight for it, in this replica. */
  invalidate(sweepId: string): void {
    for (const fn of this.invalidated) fn(sweepId);
    this.generations.set(sweepId, (this.generations.get(sweepId) ?? 0) + 1);
    for (const [key, entry] of this.entries)
      if (entry.sweepId === sweepId) this.entries.delete(key);
  }

  /** How many texts (or computations in flight) are kept (for tests and metrics). */
  kept(): number {
    return this.entries.size;
  }

  /** How many computations of `view` were started (for tests and metrics). */
  computations(view: string): number {
    return this.counts.get(view) ?? 0;
  }

  private entryOf(sweepId: string, key: string): Entry {
    const generation = this.generations.get(sweepId) ?? 0;
    const kept = this.entries.get(key);
    if (kept && kept.generation === generation) return kept;
    if (this.entries.size > EXPIRE_ABOVE) this.dropExpired();
    const entry: Entry = { sweepId, generation, done: null, running: null };
    this.entries.set(key, entry);
    return entry;
  }

  private start(
    entry: Entry,
    view: string,
    key: string,
    compute: () => Promise<string | SharedJson>,
  ) {
    this.counts.set(view, (this.counts.get(view) ?? 0) + 1);
    // compressed before it is served: readers never wait for the gzip of a kept body
    const running = {
      startedAt: this.now(),
      body: compute().then((body) => shared(body).compressed()),
    };
    entry.running = running;
    running.body.then(
      (body) => {
        if (entry.running === running) entry.running = null;
        if (!entry.done || entry.done.startedAt < running.startedAt) {
          entry.done = { startedAt: running.startedAt, body };
        }
      },
      () => {
        // a failed computation is not kept: the next reader tries again
        if (entry.running === running) entry.running = null;
        if (this.entries.get(key) === entry && !entry.done) this.entries.delete(key);
      },
    );
    return running;
  }

  private dropExpired(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) {
      const expired = !entry.done || now - entry.done.startedAt >= MAX_STALE_MS;
      if (expired && !entry.running) this.entries.delete(key);
    }
    // generations only matter while an entry of theirs may be served
    const live = new Set([...this.entries.values()].map((e) => e.sweepId));
    for (const id of this.generations.keys()) if (!live.has(id)) this.generations.delete(id);
  }
}

/** A computed body as a shared one. */
function shared(body: string | SharedJson): SharedJson {
  return typeof body === 'string' ? new SharedJson(body) : body;
}

/** One IntervalReads per API (per deps), so tests that build several apps never share texts. */
const perApi = new WeakMap<ApiDeps, IntervalReads>();

/** The API's interval reads, with `deps.readIntervalMs` (SWEEPS_READ_INTERVAL_MS). */
export function readsOf(deps: ApiDeps): IntervalReads {
  let reads = perApi.get(deps);
  if (!reads) perApi.set(deps, (reads = new IntervalReads(deps.readIntervalMs)));
  return reads;
}
