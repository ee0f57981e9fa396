import { afterEach, describe, expect, it, vi } from 'vitest';
import { setLongTimeout } from './long-timer.ts';

const DAY_MS = 86_400_000;

afterEach(() => {
  vi.useRealTimers();
});

describe('setLongTimeout', () => {
  it('waits out delays beyond the 2^31-1 ms of setTimeout in chunks', () => {
    vi.useFakeTimers();
    let fired = 0;
    setLongTimeout(() => fired++, 30 * DAY_MS); // a plain setTimeout would fire at once
    vi.advanceTimersByTime(30 * DAY_MS - 1);
    expect(fired).toBe(0);
    vi.advanceTimersByTime(1);
    expect(fired).toBe(1);
    setLongTimeout(() => fired++, 10);
    vi.advanceTimersByTime(10);
    expect(fired).toBe(2);
  });

  it('is cancelled after it re-armed for the next chunk', () => {
    vi.useFakeTimers();
    let fired = 0;
    const cancel = setLongTimeout(() => fired++, 30 * DAY_MS);
    vi.advanceTimersByTime(25 * DAY_MS); // past the first chunk
    cancel();
    vi.advanceTimersByTime(10 * DAY_MS);
    expect(fired).toBe(0);
  });
});
