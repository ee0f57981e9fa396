/**
 * A sweep's aggregates (grid, best table, counts) computed at most once per interval, whatever the number of
 * readers: the first request after the interval starts one computation, and every request in the next
 * `intervalMs` (while it runs and after) is answered with its JSON text, serialized once and shared. A reader
 * therefore never gets data read more than `intervalMs` before it asked. A write through this API replica
 * (cancel, extend, retry) calls {@link IntervalReads.invalidate}, so the caller's next read sees it; another
 * replica's cache is not told and may serve its copy until its interval ends.
 */
import type { ApiDeps } from './deps.ts';

/** Default of SWEEPS_READ_INTERVAL_MS. */
export const DEFAULT_READ_INTERVAL_MS = 250;

interface Entry {
  sweepId: string;
  generation: number;
  startedAt: number;
  text: Promise<string>;
}

/** Above this many kept entries, the expired ones are dropped on the next computation. */
const PRUNE_ABOVE = 1000;

export class IntervalReads {
  private readonly entries = new Map<string, Entry>();
  /** Bumped by `invalidate`: entries computed under an older generation are never served again. */
  private readonly generations = new Map<string, number>();
  private readonly counts = new Map<string, number>();

  constructor(
    /** How long one computation's text is served (0: never shared beyond the request). */
    readonly intervalMs = DEFAULT_READ_INTERVAL_MS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /**
   * The text `compute()` gives for `key` (a view of `sweepId`; `view` names it for {@link computations}): the
   * one computed less than `intervalMs` ago (or being computed since then), else a fresh one.
   */
  text(
    sweepId: string,
    view: string,
    key: string,
    compute: () => Promise<string>,
  ): Promise<string> {
    const generation = this.generations.get(sweepId) ?? 0;
    const now = this.now();
    const kept = this.entries.get(key);
    if (kept && kept.generation === generation && now - kept.startedAt < this.intervalMs) {
      return kept.text;
    }
    if (this.entries.size > PRUNE_ABOVE) this.prune(now);
    this.counts.set(view, (this.counts.get(view) ?? 0) + 1);
    const entry: Entry = { sweepId, generation, startedAt: now, text: compute() };
    this.entries.set(key, entry);
    // a failed computation is not served to later readers: the next one tries again
    entry.text.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    return entry.text;
  }

  /** Forgets every kept text of the sweep, and any computation in flight for it, in this replica. */
  invalidate(sweepId: string): void {
    this.generations.set(sweepId, (this.generations.get(sweepId) ?? 0) + 1);
    for (const [key, entry] of this.entries)
      if (entry.sweepId === sweepId) this.entries.delete(key);
  }

  /** How many computations of `view` were started (for tests and metrics). */
  computations(view: string): number {
    return this.counts.get(view) ?? 0;
  }

  private prune(now: number): void {
    for (const [key, entry] of this.entries) {
      if (now - entry.startedAt >= this.intervalMs) this.entries.delete(key);
    }
    // generations only matter while an entry of theirs may be served
    const live = new Set([...this.entries.values()].map((e) => e.sweepId));
    for (const id of this.generations.keys()) if (!live.has(id)) this.generations.delete(id);
  }
}

/** One IntervalReads per API (per deps), so tests that build several apps never share texts. */
const perApi = new WeakMap<ApiDeps, IntervalReads>();

/** The API's interval reads, with `deps.readIntervalMs` (SWEEPS_READ_INTERVAL_MS). */
export function readsOf(deps: ApiDeps): IntervalReads {
  let reads = perApi.get(deps);
  if (!reads) perApi.set(deps, (reads = new IntervalReads(deps.readIntervalMs)));
  return reads;
}
