import { describe, expect, it } from 'vitest';
import { FailureLimiter } from './failure-limiter.ts';

describe('failed key attempts per address', () => {
  const headers: Record<string, string> = {};
  const reply = { header: (name: string, value: string) => (headers[name] = value) };

  it('counts unknown keys, then answers 429 with Retry-After and tells the lookup to be cheap', async () => {
    const limiter = new FailureLimiter(2);
    const asked: boolean[] = [];
    const unknown = async (overBudget: boolean) => {
      asked.push(overBudget);
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
        /^Too many failed sign-ins from this address; retry in \d+ s\. A valid key is still accepted\.$/,
      ),
    });
    expect(asked).toEqual([false, false, true]);
    expect(Number(headers['retry-after'])).toBeGreaterThan(0);
  });

  it('serves a valid key from an address over its budget, and keeps refusing its failures', async () => {
    const limiter = new FailureLimiter(3);
    const unknown = async () => null;
    for (let i = 0; i < 3; i++)
      await expect(limiter.admit('10.0.0.3', reply, 'x', unknown)).rejects.toMatchObject({
        code: 'UNAUTHORIZED',
      });
    expect(limiter.blockedFor('10.0.0.3')).toBeGreaterThan(0);
    const key = { id: 'k1' };
    for (let i = 0; i < 3; i++)
      expect(await limiter.admit('10.0.0.3', reply, 'x', async () => key)).toBe(key);
    await expect(limiter.admit('10.0.0.3', reply, 'x', unknown)).rejects.toMatchObject({
      code: 'RATE_LIMITED',
    });
    // another address has its own budget
    await expect(limiter.admit('10.0.0.4', reply, 'x', unknown)).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
  });

  it('forgets an address a minute after its first failure', () => {
    const limiter = new FailureLimiter(1);
    limiter.fail('10.0.0.5', 1_000);
    expect(limiter.blockedFor('10.0.0.5', 1_001)).toBe(60);
    expect(limiter.blockedFor('10.0.0.5', 61_000)).toBe(0);
  });
});

describe('concurrent guesses from one address', () => {
  it('get at most the budget in full lookups; the rest are told to be cheap', async () => {
    const limiter = new FailureLimiter(5);
    const reply = { header: () => undefined };
    let full = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const lookup = async (overBudget: boolean) => {
      if (!overBudget) full++;
      await gate;
      return null;
    };
    const all = Array.from({ length: 50 }, () =>
      limiter.admit('10.0.0.9', reply, 'x', lookup).catch((e: { code: string }) => e.code),
    );
    release();
    const codes = await Promise.all(all);
    expect(full).toBe(5);
    expect(codes.every((c) => c === 'UNAUTHORIZED' || c === 'RATE_LIMITED')).toBe(true);
    expect(limiter.blockedFor('10.0.0.9')).toBeGreaterThan(0);
  });
});
