import { describe, expect, it } from 'vitest';
import { counts, gridKey, pausedNote, pausedSentence, trialStateCell } from './format.ts';

describe('paused trials in the CLI', () => {
  it('counts paused trials with the others, in core order, and says what paused means', () => {
    const c = { queued: 2, running: 1, paused: 3, succeeded: 4, pruned: 1, total: 11 };
    expect(counts(c)).toBe(
      'queued 2 · running 1 · paused 3 · succeeded 4 · failed 0 · cancelled 0 · pruned 1',
    );
    expect(pausedNote(c)).toBe(
      '3 paused: asha stopped these trials at a rung until enough trials of their checkpoint have reported there; each then resumes or is pruned.',
    );
    expect(pausedNote({ paused: 1 })).toBe(
      '1 paused: asha stopped this trial at a rung until enough trials of its checkpoint have reported there; it then resumes or is pruned.',
    );
    expect(pausedNote({ queued: 2 })).toBeNull();
  });

  it('writes a paused trial with the rung it waits at', () => {
    const at = { epoch: 3, value: 0.21 };
    expect(trialStateCell({ state: 'paused', reason: null, pausedAt: at })).toBe('paused@3');
    expect(trialStateCell({ state: 'paused', reason: null, pausedAt: null })).toBe('paused');
    expect(trialStateCell({ state: 'failed', reason: 'diverged' })).toBe('failed (diverged)');
    expect(pausedSentence(at)).toBe('Paused at epoch 3 (value 0.2100), waiting for its rung');
    expect(pausedSentence({ epoch: 1, value: null })).toBe(
      'Paused at epoch 1, waiting for its rung',
    );
    expect(pausedSentence(null)).toBe('Paused, waiting for its rung');
  });

  it('explains the grid cells asha stopped, only those present', () => {
    expect(gridKey(['0.4000', 'paused@3 (0.2100)', '-'])).toEqual([
      expect.stringMatching(/^paused@N \(v\): a trial of the cell waits at the epoch-N rung/),
    ]);
    expect(gridKey(['pruned@1 (0.1000)', 'paused'])).toHaveLength(2);
    expect(gridKey(['0.4000', 'failed'])).toEqual([]);
  });
});
