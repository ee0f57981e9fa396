import { expect } from 'vitest';
// @ts-expect-error: a plain ES module without types, shared with the synthetic trainer
import { syntheticValue } from '../../examples/asha-synthetic/curve.mjs';
/** The synthetic command trainer of `examples/asha-synthetic` (deterministic crossing curves), as a sweep runs it. */
export const SYNTHETIC_COMMAND = [
  'node',
  'examples/asha-synthetic/train.mjs',
  '--lr',
  '{lr}',
  '--weight-decay',
  '{weight_decay}',
  '--seed',
  '{seed}',
  '--epochs',
  '{epochs}',
  '--checkpoint',
  '{checkpoint.name}',
];

/** The best cell the full grid of `lrs` x `wds` picks for `checkpoint` at `epoch` (the curves are deterministic). */
export function fullGridBest(checkpoint: string, lrs: number[], wds: number[], epoch = 12) {
  let top = { lr: 0, wd: 0, v: -1 };
  for (const lr of lrs)
    for (const wd of wds) {
      const v = syntheticValue({ lr, weightDecay: wd, seed: 0, epoch, checkpoint });
      if (v > top.v) top = { lr, wd, v };
    }
  return top;
}

/** Per checkpoint, a best-table row's best cell is the one the full grid picks (SGD, momentum 0.9). */
export function expectFullGridBest(
  rows: Array<{ checkpoint: string; best: { params: unknown; mean: number } }>,
  lrs: number[],
  wds: number[],
) {
  for (const row of rows) {
    const top = fullGridBest(row.checkpoint, lrs, wds);
    expect(row.best.params, row.checkpoint).toEqual({
      lr: top.lr,
      weight_decay: top.wd,
      momentum: 0.9,
    });
    expect(row.best.mean).toBeCloseTo(top.v, 12);
  }
}
