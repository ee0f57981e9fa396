import { describe, expect, it } from 'vitest';
import { retryOnConnectionLoss } from './connection-retry.ts';

describe('writes while PostgreSQL is unreachable', () => {
  it('waits out an unreachable database, not a refused statement', async () => {
    let calls = 0;
    const logs: string[] = [];
    const flaky = () =>
      ++calls < 3
        ? Promise.reject(new Error('Connection terminated unexpectedly'))
        : Promise.resolve('stored');
    expect(
      await retryOnConnectionLoss(flaky, {
        firstDelayMs: 1,
        log: (l) => logs.push(l),
        what: 'epoch 3',
      }),
    ).toBe('stored');
    expect(calls).toBe(3);
    expect(logs).toEqual([
      'epoch 3: PostgreSQL unreachable (Connection terminated unexpectedly); retrying',
    ]); // said once, not per try
    let refusedCalls = 0;
    const refused = () => {
      refusedCalls++;
      return Promise.reject(new Error('value "3000000000" is out of range for type integer'));
    };
    await expect(retryOnConnectionLoss(refused, { firstDelayMs: 1 })).rejects.toThrow(/range/);
    expect(refusedCalls).toBe(1);
  });

  it('gives up with the last error once the next wait would pass its limit', async () => {
    let calls = 0;
    const down = () => {
      calls++;
      return Promise.reject(new Error(`Can't reach database server (try ${calls})`));
    };
    await expect(retryOnConnectionLoss(down, { forMs: 0, firstDelayMs: 1 })).rejects.toThrow(
      "Can't reach database server (try 1)",
    );
    expect(calls).toBe(1);
  });
});
