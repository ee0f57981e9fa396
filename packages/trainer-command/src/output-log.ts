/**
 * A trial's output on disk: every line of its stdout and stderr goes to `<trial dir>/logs/output.log`, which is
 * rotated at a size limit (`output.log.1`, `output.log.2`, ... the oldest dropped), so a trial that prints for a
 * week cannot fill the disk. Writes are synchronous appends of whole lines: a crash loses nothing written before.
 */
import { appendFileSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';

/** Default size at which the log is rotated, and how many rotated files are kept. */
export const OUTPUT_LOG_MAX_BYTES = 10 * 1024 * 1024;
export const OUTPUT_LOG_KEEP = 3;

/** The output log's path inside a trial's directory. */
export function outputLogPath(trialDir: string): string {
  return path.join(trialDir, 'logs', 'output.log');
}

export class OutputLog {
  private size: number;
  private pending = '';
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly file: string,
    private readonly maxBytes = OUTPUT_LOG_MAX_BYTES,
    private readonly keep = OUTPUT_LOG_KEEP,
  ) {
    mkdirSync(path.dirname(file), { recursive: true });
    this.size = fileSize(file);
  }

  /** Appends one line (buffered for at most 200 ms, so a chatty process costs few writes). */
  write(line: string): void {
    this.pending += `${line}\n`;
    if (this.pending.length > 64 * 1024) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), 200);
      this.timer.unref();
    }
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending === '') return;
    if (this.size > 0 && this.size + this.pending.length > this.maxBytes) this.rotate();
    appendFileSync(this.file, this.pending);
    this.size += Buffer.byteLength(this.pending);
    this.pending = '';
  }

  private rotate(): void {
    rmSync(`${this.file}.${this.keep}`, { force: true });
    for (let i = this.keep - 1; i >= 1; i--) {
      try {
        renameSync(`${this.file}.${i}`, `${this.file}.${i + 1}`);
      } catch {
        /* not there yet */
      }
    }
    renameSync(this.file, `${this.file}.1`);
    this.size = 0;
  }
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}
