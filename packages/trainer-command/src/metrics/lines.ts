/**
 * Turns a process's output (or a file) into bounded lines. Training logs redraw progress bars with `\r` and may
 * glue the next log line to the bar, end without a newline, or hold one enormous line: every line is cut at
 * {@link MAX_LINE_CHARS}, `\r` ends a line as `\n` does, and terminal colour codes are removed.
 */

/** Longest line kept; the rest of a longer line is dropped (a log line of interest is far shorter). */
export const MAX_LINE_CHARS = 65_536;

// CSI sequences (colours, cursor moves) that tqdm and rich write around progress bars.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching the escape character is the point
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]/g;

function clean(line: string): string {
  return line.replace(ANSI, '');
}

/** Splits a stream of text chunks into lines, each at most {@link MAX_LINE_CHARS} long. */
export class LineSplitter {
  private partial = '';
  /** True while the rest of an over-long line is being skipped. */
  private skipping = false;
  /** Characters dropped from over-long lines so far (they count as output that was not kept). */
  dropped = 0;

  /** Feeds a chunk; returns the lines it completed. */
  push(chunk: string): string[] {
    const out: string[] = [];
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      this.take(chunk.slice(start, i));
      if (!this.skipping || this.partial !== '') out.push(clean(this.partial));
      this.partial = '';
      this.skipping = false;
      start = i + 1;
    }
    this.take(chunk.slice(start));
    return out.filter((l) => l !== '');
  }

  /** End of input: the last line when the text did not end with a newline. */
  end(): string[] {
    const last = this.partial;
    this.partial = '';
    this.skipping = false;
    return last === '' ? [] : [clean(last)];
  }

  private take(piece: string): void {
    if (piece === '') return;
    if (this.skipping) {
      this.dropped += piece.length;
      return;
    }
    const room = MAX_LINE_CHARS - this.partial.length;
    if (piece.length <= room) this.partial += piece;
    else {
      this.partial += piece.slice(0, room);
      this.dropped += piece.length - room;
      this.skipping = true; // keep the head of the line, drop the rest up to its end
    }
  }
}

/** The bounded lines of a whole text. */
export function splitLines(text: string): string[] {
  const s = new LineSplitter();
  return [...s.push(text), ...s.end()];
}

/** How many lines {@link splitLines} would see at most: `\n`, `\r\n` and `\r` each end one (blank ones count). */
export function countLines(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) n++;
  }
  return text.length > 0 && !/[\r\n]$/.test(text) ? n + 1 : n;
}
