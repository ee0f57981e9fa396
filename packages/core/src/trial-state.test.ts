import { describe, expect, it } from 'vitest';
import { DomainError } from './errors.ts';
import { assertMove, canMove, isFinished } from './trial-state.ts';
import { trialIdOf } from './ids.ts';

describe('trial states', () => {
  it('allows the moves of a trial life', () => {
    expect(canMove('queued', 'running')).toBe(true);
    expect(canMove('running', 'succeeded')).toBe(true);
    expect(canMove('running', 'queued')).toBe(true);
    expect(canMove('failed', 'queued')).toBe(true);
  });
  it('refuses moves out of final states', () => {
    expect(canMove('succeeded', 'queued')).toBe(false);
    expect(canMove('cancelled', 'running')).toBe(false);
    expect(() => assertMove('succeeded', 'running')).toThrow(DomainError);
    expect(isFinished('failed')).toBe(true);
    expect(isFinished('running')).toBe(false);
  });
  it('derives the same trial id from the same identity, without ":"', () => {
    const a = trialIdOf('sw_1', 'r50-base', 'abc', 0);
    expect(a).toBe(trialIdOf('sw_1', 'r50-base', 'abc', 0));
    expect(a).not.toBe(trialIdOf('sw_1', 'r50-base', 'abc', 1));
    expect(a).not.toContain(':');
  });
});
