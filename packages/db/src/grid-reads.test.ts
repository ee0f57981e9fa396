import { TRIAL_STATES } from '@sweeps/core';
import { describe, expect, it } from 'vitest';
import { GRID_STATES_FROM_TRIALS, gridCellCountsSql } from './grid-reads.ts';

describe("the grid's counts by state", () => {
  const sql = gridCellCountsSql('sw_grid');

  it("has a column for every state of core's (a state missing from a hand-written list would vanish)", () => {
    for (const state of TRIAL_STATES)
      expect(sql.sql).toContain(`sum("${state}")::int AS "${state}"`);
  });

  it('counts succeeded trials from cell_stats and every other state from trials, each once', () => {
    expect(sql.sql).toContain('s.n AS "succeeded"');
    const read = sql.values.find(Array.isArray) as string[];
    expect(read).toEqual([...GRID_STATES_FROM_TRIALS]);
    expect([...read, 'succeeded'].sort()).toEqual([...TRIAL_STATES].sort());
    const counted = sql.values.filter((v) => typeof v === 'string' && v !== 'sw_grid');
    expect(counted).toEqual([...GRID_STATES_FROM_TRIALS]);
  });
});
