import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLineLogger } from './line-logger.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('line logger', () => {
  it('writes timestamped lines in one batch, on a timer or on flush', () => {
    vi.useFakeTimers();
    const chunks: string[] = [];
    const out = new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk.toString());
        done();
      },
    });
    const log = createLineLogger(out, 20);
    log('one');
    log('two');
    vi.advanceTimersByTime(19);
    expect(chunks).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(chunks).toHaveLength(1);
    expect(chunks[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z one\n\S+ two\n$/);
    log('three');
    log.flush();
    expect(chunks[1]).toMatch(/ three\n$/);
    vi.advanceTimersByTime(20);
    expect(chunks).toHaveLength(2); // the flush cancelled the timer: nothing is written twice
  });
});
