import { describe, expect, it } from 'vitest';
import { cellFromSearch, cellQuery } from './cell-url.ts';

describe('an open cell in the address', () => {
  it('goes there and back, names with commas and slashes included', () => {
    const c = { checkpoint: 'r50, v2/coco', optimizer: 'AdamW', lr: 3e-5, weightDecay: 0.01 };
    const q = cellQuery(c);
    expect(q).toBe('?cell=r50%2C%20v2%2Fcoco,AdamW,0.00003,0.01');
    expect(cellFromSearch(q)).toEqual(c);
    expect(cellFromSearch(`?x=1&${q.slice(1)}&y=2`)).toEqual(c);
  });

  it('names no cell for a missing, partial or broken value', () => {
    expect(cellFromSearch('')).toBeNull();
    expect(cellFromSearch('?cell=')).toBeNull();
    expect(cellFromSearch('?cell=a,SGD,0.1')).toBeNull();
    expect(cellFromSearch('?cell=a,SGD,x,0')).toBeNull();
    expect(cellFromSearch('?cell=%E0%A4%A,SGD,0.1,0')).toBeNull();
  });
});
