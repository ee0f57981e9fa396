/** Test data: a grid cell summary as GET grid sends it, every count 0 and no rung unless given. */
import { type GridCellSummary, TRIAL_STATE_VALUES } from '@sweeps/api-client';

const COUNTS = ['total', 'diverged', ...TRIAL_STATE_VALUES] as const;
const NO_RUNG = ['reason', 'prunedEpoch', 'prunedValue', 'pausedEpoch', 'pausedValue'] as const;

export function gridCell(over: Partial<GridCellSummary> = {}): GridCellSummary {
  return {
    ...(Object.fromEntries(COUNTS.map((k) => [k, 0])) as Record<(typeof COUNTS)[number], number>),
    ...(Object.fromEntries(NO_RUNG.map((k) => [k, null])) as Record<
      (typeof NO_RUNG)[number],
      null
    >),
    state: 'empty',
    ...over,
  };
}
