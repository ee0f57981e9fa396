import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isFinished, TRIAL_MOVES, TRIAL_STATES, type TrialState } from '@sweeps/core';
import { describe, expect, it } from 'vitest';
import { TrialState as PrismaTrialState } from './generated/enums.ts';
import { inSourceStates, sourceStates, targetState } from './trial-moves.ts';

describe("the stores' trial states are core's", () => {
  it("the Prisma schema's TrialState enum has exactly core's states (add one in core only and this fails)", () => {
    expect(Object.values(PrismaTrialState).sort()).toEqual([...TRIAL_STATES].sort());
  });

  it("every state but the first is reached by one of core's moves, and every unfinished one can be left", () => {
    const moves = Object.values(TRIAL_MOVES);
    for (const state of TRIAL_STATES.slice(1) as TrialState[])
      expect(
        moves.some((m) => m.to === state),
        state,
      ).toBe(true);
    for (const state of TRIAL_STATES.filter((s) => !isFinished(s)))
      expect(
        moves.some((m) => (m.from as readonly TrialState[]).includes(state)),
        state,
      ).toBe(true);
  });

  it("writes a move's SQL from core's table, with the states as one array parameter", () => {
    const claim = inSourceStates('claim', 't.state');
    expect(claim.sql).toBe('t.state = ANY(?::"TrialState"[])');
    expect(claim.values).toEqual([['queued', 'running']]);
    expect(targetState('retryFailed').values).toEqual(['queued']);
    expect(sourceStates('cancel')).toEqual([...TRIAL_MOVES.cancel.from]);
  });
});

describe('the stores write no trial state of their own', () => {
  it("no store writes a state literal: every write names one of core's moves", () => {
    const dir = fileURLToPath(new URL('.', import.meta.url));
    const state = `'(?:${TRIAL_STATES.join('|')})'`;
    // SQL `SET state = 'x'` or `THEN 'x'::"TrialState"`, and Prisma `data: { ..., state: 'x' }`.
    const writes = new RegExp(
      `SET\\s+state\\s*=\\s*${state}|THEN\\s+${state}|data:\\s*\\{[^}]*\\bstate:\\s*${state}`,
      'gi',
    );
    const offending = readdirSync(dir)
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
      .flatMap((f) =>
        [...readFileSync(join(dir, f), 'utf8').matchAll(writes)].map((m) => `${f}: ${m[0]}`),
      );
    expect(offending).toEqual([]);
  });
});
