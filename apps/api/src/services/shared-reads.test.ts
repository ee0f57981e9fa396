import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SharedReads } from './shared-reads.ts';

const Body = z.object({ n: z.number() });

/** A computation the test finishes by hand; `n` counts how many were started. */
function gate() {
  let started = 0;
  const pending: Array<(v: { n: number }) => void> = [];
  return {
    compute: () =>
      new Promise<{ n: number }>((resolve) => {
        started++;
        const n = started;
        pending.push(() => resolve({ n }));
      }),
    finishNext: async () => {
      pending.shift()?.({ n: 0 });
      await new Promise((r) => setTimeout(r, 0));
    },
    get started() {
      return started;
    },
  };
}

describe('shared reads', () => {
  it('requests that arrive during a computation share the next one, never the one already running', async () => {
    const reads = new SharedReads();
    const g = gate();
    const first = reads.json('grid/a', Body, g.compute);
    const later = [1, 2, 3].map(() => reads.json('grid/a', Body, g.compute));
    expect(g.started).toBe(1);
    await g.finishNext();
    expect(await first).toBe('{"n":1}');
    expect(g.started).toBe(2); // one fresh computation for the three that waited
    await g.finishNext();
    expect(await Promise.all(later)).toEqual(['{"n":2}', '{"n":2}', '{"n":2}']);
    // nothing in flight: the next request starts its own
    const alone = reads.json('grid/a', Body, g.compute);
    await g.finishNext();
    expect(await alone).toBe('{"n":3}');
  });

  it('keeps different keys apart', async () => {
    const reads = new SharedReads();
    const g = gate();
    const a = reads.json('best/a', Body, g.compute);
    const b = reads.json('best/b', Body, g.compute);
    expect(g.started).toBe(2);
    await g.finishNext();
    await g.finishNext();
    expect([await a, await b]).toEqual(['{"n":1}', '{"n":2}']);
  });

  it('gives a failure to every request that shared it, and the next request computes again', async () => {
    const reads = new SharedReads();
    let calls = 0;
    const failing = async () => {
      calls++;
      throw new Error('no such sweep');
    };
    const results = await Promise.allSettled([
      reads.json('grid/x', Body, failing),
      reads.json('grid/x', Body, failing),
      reads.json('grid/x', Body, failing),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(calls).toBe(2); // the first, and one shared by the two that arrived during it
    await expect(reads.json('grid/x', Body, async () => ({ n: 7 }))).resolves.toBe('{"n":7}');
  });

  it('checks the body against the schema, as the route would', async () => {
    const reads = new SharedReads();
    await expect(
      reads.json('grid/y', Body, async () => ({ n: 'one' }) as unknown as { n: number }),
    ).rejects.toThrow();
  });
});
