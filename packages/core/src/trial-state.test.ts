import { describe, expect, it } from 'vitest';
import { DomainError } from './errors.ts';
import { assertMove, canMove, isFinished, isPhaseSettled, sweepPhase } from './trial-state.ts';
import { trialIdOf } from './ids.ts';

describe('trial states', () => {
  it('allows the moves of a trial life', () => {
    expect(canMove('queued', 'running')).toBe(true);
    expect(canMove('running', 'succeeded')).toBe(true);
    expect(canMove('running', 'queued')).toBe(true);
    expect(canMove('failed', 'queued')).toBe(true);
    // a worker claims a trial whose worker was lost (the job stalled in Redis; PostgreSQL still says running)
    expect(canMove('running', 'running')).toBe(true);
    expect(canMove('queued', 'succeeded')).toBe(false);
  });
  it("derives a sweep's phase from its status and trial counts", () => {
    const c = { queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 };
    expect(sweepPhase('active', { ...c, queued: 4, total: 4 })).toBe('queued');
    expect(sweepPhase('active', { ...c, queued: 3, succeeded: 1, total: 4 })).toBe('running');
    expect(sweepPhase('active', { ...c, running: 1, queued: 3, total: 4 })).toBe('running');
    expect(sweepPhase('active', { ...c, succeeded: 2, failed: 1, cancelled: 1, total: 4 })).toBe(
      'finished',
    );
    expect(sweepPhase('active', { ...c, total: 0 })).toBe('queued');
    expect(sweepPhase('cancelled', { ...c, running: 1, total: 1 })).toBe('cancelled');
    // every trial finished, but the confirm stage has trials to add: not finished yet
    const allDone = { ...c, succeeded: 4, total: 4 };
    expect(sweepPhase('active', allDone, 2)).toBe('running');
    expect(sweepPhase('active', allDone, 0)).toBe('finished');
    expect(sweepPhase('cancelled', allDone, 2)).toBe('cancelled');
    expect(['queued', 'running'].map((p) => isPhaseSettled(p as 'queued'))).toEqual([false, false]);
    expect(isPhaseSettled('finished') && isPhaseSettled('cancelled')).toBe(true);
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
