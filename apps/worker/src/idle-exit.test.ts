import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { watchIdle } from './idle-exit.ts';

describe('idle exit', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('fires once after the worker has been idle for the whole time, and a busy moment starts the count again', () => {
    let busy = false;
    const onIdle = vi.fn();
    watchIdle({ isIdle: () => !busy, idleMs: 5000, onIdle, checkMs: 1000, now: Date.now });
    vi.advanceTimersByTime(3000);
    busy = true;
    vi.advanceTimersByTime(1000);
    busy = false;
    vi.advanceTimersByTime(4000);
    expect(onIdle).not.toHaveBeenCalled(); // idle again for 4 s only
    vi.advanceTimersByTime(1000);
    expect(onIdle).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(10_000);
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  it('never fires once stopped', () => {
    const onIdle = vi.fn();
    const watch = watchIdle({ isIdle: () => true, idleMs: 2000, onIdle, checkMs: 500 });
    vi.advanceTimersByTime(1000);
    watch.stop();
    vi.advanceTimersByTime(5000);
    expect(onIdle).not.toHaveBeenCalled();
  });
});
