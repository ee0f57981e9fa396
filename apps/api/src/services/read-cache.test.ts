import { describe, expect, it } from 'vitest';
import { ReadCache } from './read-cache.ts';

describe('ReadCache', () => {
  it('serves a text only at the version it was computed at', () => {
    const cache = new ReadCache();
    cache.set('grid/a', '1:5', '{"x":1}');
    expect(cache.get('grid/a', '1:5')).toBe('{"x":1}');
    expect(cache.get('grid/a', '1:6')).toBeUndefined();
    expect(cache.get('grid/b', '1:5')).toBeUndefined();
    cache.set('grid/a', '1:6', '{"x":2}');
    expect(cache.get('grid/a', '1:5')).toBeUndefined();
    expect(cache.get('grid/a', '1:6')).toBe('{"x":2}');
    expect(cache.size()).toEqual({ entries: 1, bytes: 7 });
  });

  it('drops the least recently used texts beyond its size', () => {
    const cache = new ReadCache(10);
    cache.set('a', 'v', '1234');
    cache.set('b', 'v', '1234');
    expect(cache.get('a', 'v')).toBe('1234'); // a is now the most recently used
    cache.set('c', 'v', '1234');
    expect(cache.get('b', 'v')).toBeUndefined();
    expect(cache.get('a', 'v')).toBe('1234');
    expect(cache.get('c', 'v')).toBe('1234');
    cache.set('huge', 'v', 'x'.repeat(11));
    expect(cache.get('huge', 'v')).toBeUndefined();
    expect(cache.size()).toEqual({ entries: 2, bytes: 8 });
  });
});
