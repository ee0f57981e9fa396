/** Keeps the last `size` lines of a process's output, for the error report of a failed trial. */
export class OutputTail {
  private readonly lines: string[] = [];
  constructor(private readonly size = 50) {}
  push(line: string): void {
    this.lines.push(line.length > 2000 ? `${line.slice(0, 2000)}…` : line);
    if (this.lines.length > this.size) this.lines.shift();
  }
  text(): string {
    return this.lines.join('\n');
  }
}

/** Longest error text kept with a trial. */
export const MAX_ERROR_CHARS = 4000;

/**
 * An error text cut to `max` characters the way a reader needs it: its first line (what happened) and then the
 * last lines of the rest (the output just before the failure, which explains it), with a note of what was left
 * out between them. Cutting the head instead kept the start of the output and lost the lines that matter.
 */
export function boundErrorText(text: string, max = MAX_ERROR_CHARS): string {
  if (text.length <= max) return text;
  const newline = text.indexOf('\n');
  const first = newline < 0 ? text : text.slice(0, newline);
  if (newline < 0 || first.length > max / 2) return `${text.slice(0, max - 1)}…`;
  const rest = text.slice(newline + 1).split('\n');
  const kept: string[] = [];
  let room = max - first.length - 60; // the note's line
  for (let i = rest.length - 1; i >= 0; i--) {
    const line = rest[i]!;
    if (line.length + 1 <= room) {
      kept.unshift(line);
      room -= line.length + 1;
      continue;
    }
    if (kept.length === 0) kept.unshift(`…${line.slice(-(room - 2))}`); // the end of one huge last line
    break;
  }
  const left = rest.length - kept.length;
  const note = left > 0 ? `… (${left} earlier line(s) of output not kept)` : '… (the line was cut)';
  return [first, note, ...kept].join('\n');
}

/**
 * The last non-empty line of an error's message: what a log line shows of it (Prisma puts the cause last, after the
 * call site).
 */
export function lastLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.trim().split('\n').filter(Boolean).pop() ?? text;
}
