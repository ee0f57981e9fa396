/**
 * SQL for trial state changes, taken from core's {@link TRIAL_MOVES}: a store never writes a state literal, it
 * names the move, so the states a write may start from live in one place.
 */
import { TRIAL_MOVES, type TrialMoveName, type TrialState } from '@sweeps/core';
import { Prisma } from './generated/client.ts';

/** `<column> = ANY('{queued,running}')`: the trial is in one of the move's source states. */
export function inSourceStates(move: TrialMoveName, column = 'state'): Prisma.Sql {
  const from: readonly TrialState[] = TRIAL_MOVES[move].from;
  return Prisma.sql`${Prisma.raw(column)} = ANY(${[...from]}::"TrialState"[])`;
}

/** The move's target state as an SQL value of the `TrialState` type. */
export function targetState(move: TrialMoveName): Prisma.Sql {
  return Prisma.sql`${TRIAL_MOVES[move].to}::"TrialState"`;
}

/** The move's source states, for a Prisma `where: { state: { in: ... } }`. */
export function sourceStates(move: TrialMoveName): TrialState[] {
  return [...TRIAL_MOVES[move].from];
}
