/**
 * Finished reads kept with the version of the data they were computed from (see `sweepReadVersion`): while a
 * sweep does not change, its grid and best table are served from here instead of recomputed (a finished
 * sweep's never change). Bounded by the bytes it holds; the least recently used entries go first.
 */
export class ReadCache<T = string> {
  private readonly entries = new Map<string, { version: string; text: T }>();
  private bytes = 0;

  constructor(
    private readonly maxBytes = 64 * 1024 * 1024,
    /** A kept value's size (a text's length by default). */
    private readonly sizeOf: (text: T) => number = (text) => String(text).length,
  ) {}

  /** The text kept for `key` if it was computed at `version`. */
  get(key: string, version: string): T | undefined {
    const entry = this.entries.get(key);
    if (entry?.version !== version) return undefined;
    this.entries.delete(key); // most recently used last
    this.entries.set(key, entry);
    return entry.text;
  }

  /** Keeps `text` for `key` at `version`, replacing what was there. */
  set(key: string, version: string, text: T): void {
    this.drop(key);
    if (this.sizeOf(text) > this.maxBytes) return;
    this.entries.set(key, { version, text });
    this.bytes += this.sizeOf(text);
    for (const oldest of this.entries.keys()) {
      if (this.bytes <= this.maxBytes) break;
      this.drop(oldest);
    }
  }

  /** How many texts and characters are kept (for tests and metrics). */
  size(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.bytes };
  }

  private drop(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.bytes -= this.sizeOf(entry.text);
    this.entries.delete(key);
  }
}
