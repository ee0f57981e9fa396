import { describe, expect, it } from 'vitest';
import { IntervalReads } from './interval-reads.ts';

/** A clock the test moves by hand. */
function clock() {
  let t = 1000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

/** A computation the test finishes by hand; each result names the computation that made it. */
function gate() {
  let started = 0;
  const pending: Array<() => void> = [];
  return {
    compute: () =>
      new Promise<string>((resolve) => {
        const n = ++started;
        pending.push(() => resolve(`v${n}`));
      }),
    finishAll: () => {
      for (const f of pending.splice(0)) f();
    },
    get started() {
      return started;
    },
  };
}

describe('interval reads', () => {
  it('50 readers within one interval share one computation, in flight and after', async () => {
    const c = clock();
    const g = gate();
    const reads = new IntervalReads(250, c.now);
    const first = Array.from({ length: 50 }, () => reads.text('s1', 'grid', 'grid/s1', g.compute));
    g.finishAll();
    expect(new Set(await Promise.all(first))).toEqual(new Set(['v1']));
    c.advance(249);
    expect(await reads.text('s1', 'grid', 'grid/s1', g.compute)).toBe('v1');
    expect(g.started).toBe(1);
    expect(reads.computations('grid')).toBe(1);
  });

  it('a reader never gets a text computed an interval or more before it asked', async () => {
    const c = clock();
    const g = gate();
    const reads = new IntervalReads(250, c.now);
    const a = reads.text('s1', 'best', 'best/s1', g.compute);
    g.finishAll();
    expect(await a).toBe('v1');
    c.advance(250);
    const b = reads.text('s1', 'best', 'best/s1', g.compute);
    g.finishAll();
    expect(await b).toBe('v2');
    expect(reads.computations('best')).toBe(2);
  });

  it('invalidating a sweep drops its kept text and the computation in flight, not other sweeps', async () => {
    const c = clock();
    const g = gate();
    const reads = new IntervalReads(250, c.now);
    const other = reads.text('s2', 'grid', 'grid/s2', g.compute); // v1
    const before = reads.text('s1', 'grid', 'grid/s1', g.compute); // v2, in flight at the write
    reads.invalidate('s1');
    const after = reads.text('s1', 'grid', 'grid/s1', g.compute); // v3
    g.finishAll();
    expect([await other, await before, await after]).toEqual(['v1', 'v2', 'v3']);
    expect(await reads.text('s2', 'grid', 'grid/s2', g.compute)).toBe('v1');
    expect(await reads.text('s1', 'grid', 'grid/s1', g.compute)).toBe('v3');
  });

  it('a failed computation is not served again', async () => {
    const reads = new IntervalReads(250, clock().now);
    await expect(
      reads.text('s1', 'grid', 'k', () => Promise.reject(new Error('db down'))),
    ).rejects.toThrow('db down');
    expect(await reads.text('s1', 'grid', 'k', async () => 'ok')).toBe('ok');
  });

  it('an interval of 0 shares nothing', async () => {
    const reads = new IntervalReads(0, clock().now);
    await reads.text('s1', 'grid', 'k', async () => 'a');
    expect(await reads.text('s1', 'grid', 'k', async () => 'b')).toBe('b');
  });
});
