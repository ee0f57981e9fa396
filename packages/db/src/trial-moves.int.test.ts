import { TRIAL_MOVES, TRIAL_STATES } from '@sweeps/core';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL } from '../../../test/support/services.ts';
import { createDb } from './client.ts';
import { inSourceStates } from './trial-moves.ts';

const db = createDb(TEST_DATABASE_URL);
afterAll(() => db.$disconnect());

describe("PostgreSQL's trial states are core's", () => {
  it('the migrated TrialState enum has exactly core states, and a move condition runs against it', async () => {
    const [row] = await db.$queryRaw<Array<{ states: string[] }>>`
      SELECT enum_range(NULL::"TrialState")::text[] AS states`;
    expect([...(row?.states ?? [])].sort()).toEqual([...TRIAL_STATES].sort());
    const [hit] = await db.$queryRaw<Array<{ n: number }>>`
      SELECT count(*)::int AS n FROM unnest(enum_range(NULL::"TrialState")) AS u(state)
      WHERE ${inSourceStates('cancel')}`;
    expect(hit?.n).toBe(TRIAL_MOVES.cancel.from.length);
  });
});
