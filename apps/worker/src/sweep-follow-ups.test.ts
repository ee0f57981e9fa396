import { describe, expect, it } from 'vitest';
import { SweepFollowUps } from './sweep-follow-ups.ts';

const grid = { settleRungs: false, confirm: false };
const asha = { settleRungs: true, confirm: false };

describe("a worker's follow-ups per sweep", () => {
  it('gives what a claim read of the sweep, and nothing for a sweep it never claimed from', () => {
    const f = new SweepFollowUps();
    f.remember('sw_a', grid);
    expect(f.of('sw_a')).toEqual({ sweepId: 'sw_a', followUps: grid });
    expect(f.of('sw_b')).toBeUndefined();
    expect(f.of(undefined)).toBeUndefined();
  });

  it('keeps the sweeps seen last when full', () => {
    const f = new SweepFollowUps(2);
    f.remember('sw_a', grid);
    f.remember('sw_b', asha);
    f.remember('sw_a', grid); // seen again: now the newest
    f.remember('sw_c', grid);
    expect(f.of('sw_b')).toBeUndefined();
    expect(f.of('sw_a')?.followUps).toEqual(grid);
    expect(f.of('sw_c')?.followUps).toEqual(grid);
  });
});
