import { describe, expect, it } from 'vitest';
import { gunzipSync } from 'node:zlib';
import { IntervalReads } from './interval-reads.ts';
import { acceptsGzip } from './shared-json.ts';

/** The text a read gets. */
const text = (reads: IntervalReads, ...a: Parameters<IntervalReads['json']>) =>
  reads.json(...a).then((b) => b.text);

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
    const first = Array.from({ length: 50 }, () => text(reads, 's1', 'grid', 'grid/s1', g.compute));
    g.finishAll();
    expect(new Set(await Promise.all(first))).toEqual(new Set(['v1']));
    c.advance(249);
    expect(await text(reads, 's1', 'grid', 'grid/s1', g.compute)).toBe('v1');
    expect(g.started).toBe(1);
    expect(reads.computations('grid')).toBe(1);
  });

  it('past the interval one new computation starts; meanwhile readers get the last text while it is under 1 s old', async () => {
    const c = clock();
    const g = gate();
    const reads = new IntervalReads(250, c.now);
    const a = text(reads, 's1', 'best', 'best/s1', g.compute);
    g.finishAll();
    expect(await a).toBe('v1');
    c.advance(250);
    const during = await Promise.all(
      Array.from({ length: 10 }, () => text(reads, 's1', 'best', 'best/s1', g.compute)),
    );
    expect(new Set(during)).toEqual(new Set(['v1']));
    expect(g.started).toBe(2); // one computation for the 10 readers
    g.finishAll();
    await new Promise(setImmediate); // every promise callback of the finished computation has run
    expect(await text(reads, 's1', 'best', 'best/s1', g.compute)).toBe('v2');
    expect(reads.computations('best')).toBe(2);
  });

  it('a reader never gets a text computed a second or more before it asked: it waits for the new one', async () => {
    const c = clock();
    const g = gate();
    const reads = new IntervalReads(250, c.now);
    const a = text(reads, 's1', 'grid', 'grid/s1', g.compute);
    g.finishAll();
    expect(await a).toBe('v1');
    c.advance(1000);
    const b = text(reads, 's1', 'grid', 'grid/s1', g.compute);
    const b2 = text(reads, 's1', 'grid', 'grid/s1', g.compute);
    g.finishAll();
    expect([await b, await b2]).toEqual(['v2', 'v2']);
    expect(g.started).toBe(2);
  });

  it('invalidating a sweep drops its kept text and the computation in flight, not other sweeps', async () => {
    const c = clock();
    const g = gate();
    const reads = new IntervalReads(250, c.now);
    const other = text(reads, 's2', 'grid', 'grid/s2', g.compute); // v1
    const before = text(reads, 's1', 'grid', 'grid/s1', g.compute); // v2, in flight at the write
    reads.invalidate('s1');
    const after = text(reads, 's1', 'grid', 'grid/s1', g.compute); // v3
    g.finishAll();
    expect([await other, await before, await after]).toEqual(['v1', 'v2', 'v3']);
    expect(await text(reads, 's2', 'grid', 'grid/s2', g.compute)).toBe('v1');
    expect(await text(reads, 's1', 'grid', 'grid/s1', g.compute)).toBe('v3');
  });

  it('a failed computation is not served again', async () => {
    const reads = new IntervalReads(250, clock().now);
    await expect(
      text(reads, 's1', 'grid', 'k', () => Promise.reject(new Error('db down'))),
    ).rejects.toThrow('db down');
    expect(await text(reads, 's1', 'grid', 'k', async () => 'ok')).toBe('ok');
  });

  it('a large body is gzipped once for every reader; Accept-Encoding is read as written', async () => {
    const reads = new IntervalReads(250, clock().now);
    const big = JSON.stringify({ v: 'x'.repeat(100_000) });
    const a = await reads.json('s1', 'grid', 'k', async () => big);
    const b = await reads.json('s1', 'grid', 'k', async () => 'other');
    expect(b).toBe(a);
    expect(await a.gzipped()).toBe(await b.gzipped());
    expect(gunzipSync(await a.gzipped()).toString()).toBe(big);
    expect(['gzip', 'br, gzip;q=0.5', '*', 'GZIP'].map(acceptsGzip)).toEqual(Array(4).fill(true));
    expect(['', 'br', 'gzip;q=0', 'identity, gzip; q=0.0'].map(acceptsGzip)).toEqual(
      Array(4).fill(false),
    );
  });

  it('keeps texts only for the sweeps read in the last second once there are many', async () => {
    const c = clock();
    const reads = new IntervalReads(250, c.now);
    for (let i = 0; i < 40; i++) await reads.json(`s${i}`, 'grid', `grid/s${i}`, async () => 'x');
    c.advance(1000);
    await reads.json('new', 'grid', 'grid/new', async () => 'y');
    expect(reads.kept()).toBe(1);
  });

  it('an interval of 0 shares nothing', async () => {
    const reads = new IntervalReads(0, clock().now);
    await text(reads, 's1', 'grid', 'k', async () => 'a');
    expect(await text(reads, 's1', 'grid', 'k', async () => 'b')).toBe('b');
  });
});
