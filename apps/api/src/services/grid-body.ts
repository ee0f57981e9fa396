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

/** The grid's body as JSON bytes and gzip (checked against the route's schema under tests). */
export function gridBytes(i: GridInputs): BodyBytes {
  const grid = gridOf(i);
  const bytes = Buffer.from(JSON.stringify(CHECK_SHARED_BODIES ? GridSchema.parse(grid) : grid));
  return { bytes, gz: bytes.length >= COMPRESS_FROM ? gzipSync(bytes, { level: 1 }) : null };
}
