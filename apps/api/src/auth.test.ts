import { describe, expect, it } from 'vitest';
import { FailureLimiter } from './auth.ts';

describe('failed key attempts per address', () => {
  it('counts unknown keys, then answers 429 with Retry-After and looks nothing up', async () => {
    const limiter = new FailureLimiter(2);
    const headers: Record<string, string> = {};
    const reply = { header: (name: string, value: string) => (headers[name] = value) };
    let lookups = 0;
    const unknown = async () => {
      lookups++;
      return null;
    };
    for (let i = 0; i < 2; i++)
      await expect(
        limiter.admit('10.0.0.1', reply, 'failed sign-ins', unknown),
      ).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(
      limiter.admit('10.0.0.1', reply, 'failed sign-ins', unknown),
    ).rejects.toMatchObject({
      code: 'RATE_LIMITED',
      message: expect.stringMatching(
        /^Too many failed sign-ins from this address; retry in \d+ s\.$/,
      ),
    });
    expect(lookups).toBe(2);
    expect(Number(headers['retry-after'])).toBeGreaterThan(0);
    // another address has its own budget, and a known key is not a failure
    const key = { id: 'k1' };
    for (let i = 0; i < 3; i++)
      expect(await limiter.admit('10.0.0.2', reply, 'x', async () => key)).toBe(key);
  });
});
