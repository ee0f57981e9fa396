import { describe, expect, it } from 'vitest';
import { ApiError } from '@sweeps/api-client/client';
import { retryDelayMs } from './refresh-retry.ts';

describe('retryDelayMs', () => {
  it("waits as long as a 429's Retry-After says, within 1 s and 60 s", () => {
    const limited = (s: number) => new ApiError(429, 'Too many requests', [], 'RATE_LIMITED', s);
    expect(retryDelayMs(limited(12), 1)).toBe(12_000);
    expect(retryDelayMs(limited(0), 1)).toBe(1_000);
    expect(retryDelayMs(limited(3600), 5)).toBe(60_000);
  });

  it('backs off from 1 s, doubling, to at most 30 s for failures without a Retry-After', () => {
    const down = new ApiError(0, 'Cannot reach the sweeps API');
    expect([1, 2, 3, 4, 5, 6, 7, 20].map((n) => retryDelayMs(down, n))).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000,
    ]);
    expect(retryDelayMs(new TypeError('failed to fetch'), 2)).toBe(2_000);
  });

  it('does not retry a 401: the session ended and the page asks to sign in', () => {
    expect(retryDelayMs(new ApiError(401, 'Your session has expired'), 1)).toBeNull();
  });
});
