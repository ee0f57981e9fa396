import { describe, expect, it } from 'vitest';
import { retryOnConnectionLoss } from './connection-retry.ts';

describe('writes while PostgreSQL is unreachable', () => {
  it('waits out an unreachable database, not a refused statement', async () => {
    let calls = 0;
    const flaky = () =>
      ++calls < 3
        ? Promise.reject(new Error('Connection terminated unexpectedly'))
        : Promise.resolve('stored');
    expect(await retryOnConnectionLoss(flaky, { firstDelayMs: 1 })).toBe('stored');
    expect(calls).toBe(3);
    let refusedCalls = 0;
    const refused = () => {
      refusedCalls++;
      return Promise.reject(new Error('value "3000000000" is out of range for type integer'));
    };
    await expect(retryOnConnectionLoss(refused, { firstDelayMs: 1 })).rejects.toThrow(/range/);
    expect(refusedCalls).toBe(1);
  });
});
