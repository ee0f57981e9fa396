/**
 * The grid's body made from its inputs (what PostgreSQL and the grid tally give): the matrices, each grid cell's
 * summary, and for the shared body its JSON bytes and gzip. Pure and plain data in and out, so it runs in a body
 * thread (see body-threads.ts): a 5,000-cell grid is 2.4 MB of JSON, and building, serialising and compressing
 * it on the API's event loop held every other request for 50-300 ms each time.
 */
import { gzipSync } from 'node:zlib';
import {
  buildGrid,
  type CellResult,
  type CheckpointInfo,
  type Goal,
  type GridCellCounts,
  gridCellSummaries,
  TRIAL_STATES,
} from '@sweeps/core';
import { type GridValue, GridSchema } from '@sweeps/api-client';
import { CHECK_SHARED_BODIES, COMPRESS_FROM } from './shared-json.ts';

/** What a grid is made of. */
export interface GridInputs {
  metric: string;
  goal: Goal;
  value: GridValue;
  checkpoints: CheckpointInfo[];
  axes: Array<{ optimizer: string; lrs: number[]; weightDecays: number[] }>;
  results: CellResult[];
  counts: GridCellCounts[];
}

/**
 * Per-cell counts packed to cross to the body thread cheaply: copying 5,000 count objects between threads cost
 * the event loop 30-200 ms; one string and one typed array cost a copy. `keys`: each cell's checkpoint,
 * optimizer, lr and weight decay, as the JSON text of one array per cell; `states`: per cell, its count of each
 * of core's TRIAL_STATES in that order, then `diverged`; `notes`: the few cells with a reason or a rung (by
 * place).
 */
export interface PackedCounts {
  keys: string;
  states: Int32Array;
  notes: Array<{ cell: number } & Pick<GridCellCounts, NoteField>>;
}

type NoteField =
  | 'reason'
  | 'prunedEpoch'
  | 'prunedValue'
  | 'prunedEpochMin'
  | 'pausedEpoch'
  | 'pausedValue';
/** Slots per cell in `PackedCounts.states`: every state, then diverged. */
export const SLOTS = TRIAL_STATES.length + 1;

type CellKey = [checkpoint: string, optimizer: string, lr: number, weightDecay: number];

/** `cells`' keys as `PackedCounts.keys` holds them. */
export function packedKeys(
  cells: ReadonlyArray<Pick<GridCellCounts, 'checkpoint' | 'optimizer' | 'lr' | 'weightDecay'>>,
): string {
  return JSON.stringify(
    cells.map((c): CellKey => [c.checkpoint, c.optimizer, c.lr, c.weightDecay]),
  );
}

/** `counts` packed (see {@link PackedCounts}). */
export function packCounts(counts: GridCellCounts[]): PackedCounts {
  const states = new Int32Array(counts.length * SLOTS);
  const notes: PackedCounts['notes'] = [];
  counts.forEach((c, i) => {
    TRIAL_STATES.forEach((s, k) => {
      states[i * SLOTS + k] = c[s];
    });
    states[i * SLOTS + SLOTS - 1] = c.diverged;
    const { reason, prunedEpoch, prunedValue, prunedEpochMin, pausedEpoch, pausedValue } = c;
    const note = { reason, prunedEpoch, prunedValue, prunedEpochMin, pausedEpoch, pausedValue };
    if (Object.values(note).some((v) => v !== null && v !== undefined))
      notes.push({ cell: i, ...note, prunedEpochMin: prunedEpochMin ?? null });
  });
  return { keys: packedKeys(counts), states, notes };
}

/** The counts `packed` holds, as `gridCellCounts` gives them. */
export function unpackCounts(packed: PackedCounts): GridCellCounts[] {
  const notes = new Map(packed.notes.map((n) => [n.cell, n]));
  return (JSON.parse(packed.keys) as CellKey[]).map(
    ([checkpoint, optimizer, lr, weightDecay], i) => {
      const n = notes.get(i);
      return {
        checkpoint,
        optimizer,
        lr,
        weightDecay,
        ...(Object.fromEntries(
          TRIAL_STATES.map((s, k) => [s, packed.states[i * SLOTS + k]!]),
        ) as Record<(typeof TRIAL_STATES)[number], number>),
        diverged: packed.states[i * SLOTS + SLOTS - 1]!,
        reason: n?.reason ?? null,
        prunedEpoch: n?.prunedEpoch ?? null,
        prunedValue: n?.prunedValue ?? null,
        prunedEpochMin: n?.prunedEpochMin ?? null,
        pausedEpoch: n?.pausedEpoch ?? null,
        pausedValue: n?.pausedValue ?? null,
      };
    },
  );
}

/** {@link GridInputs} as they cross to the body thread: counts packed, results as one JSON text. */
export interface PackedGridInputs extends Omit<GridInputs, 'counts' | 'results'> {
  counts: PackedCounts;
  results: string;
}

/** The lr x weight-decay matrices with each grid cell's state and trial counts (the route's body). */
export function gridOf(i: GridInputs) {
  const failures = i.counts.filter((c) => c.failed > 0).map((c) => ({ ...c, n: c.failed }));
  const matrices = buildGrid(i.checkpoints, i.axes, i.results, i.goal, failures);
  const summaries = gridCellSummaries(matrices, i.counts);
  return {
    metric: i.metric,
    goal: i.goal,
    value: i.value,
    // `cells` is the deprecated first name of `gridCells`, sent as well until clients have moved.
    matrices: matrices.map((m, k) => ({ ...m, gridCells: summaries[k]!, cells: summaries[k]! })),
  };
}

/** A body as bytes, with its gzip where it will be sent gzipped (large bodies). */
export interface BodyBytes {
  bytes: Uint8Array;
  gz: Uint8Array | null;
}

/** What `packed` holds, unpacked. */
export function unpackGridInputs(packed: PackedGridInputs): GridInputs {
  return {
    ...packed,
    counts: unpackCounts(packed.counts),
    results: JSON.parse(packed.results) as CellResult[],
  };
}

/** The grid's body as JSON bytes and gzip (checked against the route's schema under tests). */
export function gridBytes(packed: PackedGridInputs): BodyBytes {
  const grid = gridOf(unpackGridInputs(packed));
  const bytes = Buffer.from(JSON.stringify(CHECK_SHARED_BODIES ? GridSchema.parse(grid) : grid));
  return { bytes, gz: bytes.length >= COMPRESS_FROM ? gzipSync(bytes, { level: 1 }) : null };
}
