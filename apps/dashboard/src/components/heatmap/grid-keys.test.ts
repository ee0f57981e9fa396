import { describe, expect, it } from 'vitest';
import { focusAfter, opensCell } from './grid-keys.ts';

describe('keyboard moves in a heatmap', () => {
  it('steps one cell per arrow and stops at the edges', () => {
    expect(focusAfter('ArrowDown', [0, 0], 3, 4)).toEqual([1, 0]);
    expect(focusAfter('ArrowRight', [1, 2], 3, 4)).toEqual([1, 3]);
    expect(focusAfter('ArrowRight', [1, 3], 3, 4)).toEqual([1, 3]);
    expect(focusAfter('ArrowUp', [0, 2], 3, 4)).toEqual([0, 2]);
    expect(focusAfter('ArrowLeft', [2, 0], 3, 4)).toEqual([2, 0]);
    expect(focusAfter('ArrowDown', [2, 1], 3, 4)).toEqual([2, 1]);
  });

  it("goes to the row's first and last cell on Home and End, and ignores other keys", () => {
    expect(focusAfter('Home', [2, 3], 3, 4)).toEqual([2, 0]);
    expect(focusAfter('End', [2, 1], 3, 4)).toEqual([2, 3]);
    expect(focusAfter('a', [0, 0], 3, 4)).toBeNull();
    expect(focusAfter('constructor', [0, 0], 3, 4)).toBeNull();
    expect(focusAfter('Enter', [0, 0], 3, 4)).toBeNull();
  });

  it('opens a cell on Enter and Space only', () => {
    expect(opensCell('Enter')).toBe(true);
    expect(opensCell(' ')).toBe(true);
    expect(opensCell('ArrowDown')).toBe(false);
  });
});
