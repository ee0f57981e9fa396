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
