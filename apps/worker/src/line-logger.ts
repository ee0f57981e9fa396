/**
 * Log lines with a timestamp, written in batches: a worker running hundreds of short trials a second would
 * otherwise spend much of its time in one write system call per line.
 */
export interface LineLogger {
  (line: string): void;
  flush(): void;
}

export function createLineLogger(
  out: NodeJS.WritableStream = process.stdout,
  flushMs = 100,
): LineLogger {
  let buffer = '';
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (buffer) out.write(buffer);
    buffer = '';
  };
  const log = ((line: string) => {
    buffer += `${new Date().toISOString()} ${line}\n`;
    if (buffer.length > 64 * 1024) flush();
    else timer ??= setTimeout(flush, flushMs);
  }) as LineLogger;
  log.flush = flush;
  return log;
}
