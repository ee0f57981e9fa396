/**
 * Turns a process's output (or a file) into bounded lines. Training logs redraw progress bars with `\r` and may
 * glue the next log line to the bar, end without a newline, or hold one enormous line: every line is cut at
 * {@link MAX_LINE_CHARS}, `\r` ends a line as `\n` does, and terminal escape sequences (colours, titles) are removed.
 */

/** Longest line kept; the rest of a longer line is dropped (a log line of interest is far shorter). */
export const MAX_LINE_CHARS = 65_536;

/**
 * Terminal escape sequences, none of which belong in stored output: CSI (colours and cursor moves that mmengine's
 * coloured logger, tqdm and rich write, with any parameter and intermediate bytes), OSC (window titles, rich's
 * hyperlinks; ended by BEL or ESC \\), charset designations (`ESC ( B`) and the other two-byte escapes; then any
 * control character left but tab (a lone ESC, BEL, backspace), which would redraw a terminal that shows the log.
 */
const ESCAPES =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[()*+][ -~]|\u001b[ -~]?|\u009b[0-?]*[ -/]*[@-~]|[\u0000-\u0008\u000b-\u001f\u007f]/g;

function clean(line: string): string {
  return line.replace(ESCAPES, '');
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
    const line = clean(last);
    return line === '' ? [] : [line];
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
