/**
 * Splits a process's output into lines of bounded length: a line longer than `maxChars` is cut there (the rest
 * up to its newline is dropped and counted), so a trainer printing a 100 MB line costs the worker at most
 * `maxChars` of memory. Cut lines are marked, and never read as metrics.
 */
export interface OutputLine {
  text: string;
  /** Characters dropped from this line (0 for a whole line). */
  dropped: number;
}

/** Longest line kept whole (a metrics line with a few hundred names fits easily). */
export const MAX_LINE_CHARS = 256 * 1024;

export class LineSplitter {
  private current = '';
  private dropped = 0;
  /** Characters dropped from over-long lines so far. */
  droppedTotal = 0;

  constructor(
    private readonly onLine: (line: OutputLine) => void,
    private readonly maxChars = MAX_LINE_CHARS,
  ) {}

  push(chunk: string): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf('\n', start);
      const piece = nl === -1 ? chunk.slice(start) : chunk.slice(start, nl);
      this.take(piece);
      if (nl === -1) return;
      this.emit();
      start = nl + 1;
    }
  }

  /** Emits what is left after the stream ended. */
  end(): void {
    if (this.current !== '' || this.dropped > 0) this.emit();
  }

  private take(piece: string): void {
    const room = this.maxChars - this.current.length;
    if (piece.length <= room) {
      this.current += piece;
      return;
    }
    this.current += piece.slice(0, Math.max(room, 0));
    this.dropped += piece.length - Math.max(room, 0);
  }

  private emit(): void {
    const line = this.current.endsWith('\r') ? this.current.slice(0, -1) : this.current;
    this.droppedTotal += this.dropped;
    this.onLine({ text: line, dropped: this.dropped });
    this.current = '';
    this.dropped = 0;
  }
}
