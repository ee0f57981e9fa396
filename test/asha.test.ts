/**
 * End to end: an asha sweep of the synthetic command trainer (crossing curves: high lrs lead early and end
 * worse) through the API and two worker processes ends with pruned trials, fewer epochs than the full grid, and
 * per checkpoint the best cell the full grid would pick (computed from the same deterministic curves). On this grid
 * each checkpoint's best cell ranks within the top third at the first rung (epoch 3, the default: a quarter of 12)
 * and first at epoch 9, so the rule keeps it whatever order the trials start in (trial id order, random per sweep).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module without types, shared with the synthetic trainer
import { syntheticValue } from '../examples/asha-synthetic/curve.mjs';
import { Stack } from './support/stack.ts';

const stack = new Stack();
beforeAll(async () => {
  await stack.start({ workers: 2 });
}, 120_000);
afterAll(async () => {
  await stack.stop();
});

const lrs = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02];
const wds = [1e-5, 1e-4];
const sweep = {
  name: 'asha-e2e',
  metric: { name: 'bbox_mAP' },
  trainer: {
    kind: 'command',
    command: [
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
      '--epoch-ms',
      '40',
    ],
  },
  checkpoints: [
    { name: 'base', uri: 'none', baseline: true },
    { name: 'tnr', uri: 'none' },
  ],
  space: { optimizer: { SGD: { lr: lrs, weight_decay: wds } } },
  fixed: { epochs: 12 },
  strategy: { kind: 'asha', reduction_factor: 3 },
};

describe('an asha sweep end to end', () => {
  it('prunes trials, runs fewer epochs, and keeps the full grid best cell per checkpoint', async () => {
    const preview = await stack.call('POST', '/api/v1/sweeps/preview', sweep);
    expect(preview.json.epochs).toMatchObject({ rungs: [3, 9], fullGrid: 288 });
    const created = await stack.call('POST', '/api/v1/sweeps', sweep);
    expect(created.status, created.text).toBe(201);
    const id = created.json.id;
    const done = await stack.waitForPhase(id, 'finished', 180_000).catch((e) => {
      throw new Error(`${e.message}\n${stack.logs()}`);
    });
    console.log(JSON.stringify({ counts: done.counts, epochs_run: done.epochs_run }));
    expect(done.counts.pruned).toBeGreaterThan(0);
    expect(done.counts.failed).toBe(0);
    expect(done.counts.succeeded + done.counts.pruned).toBe(24);
    expect(done.epochs_full_grid).toBe(288);
    expect(done.epochs_run).toBeLessThan(288);

    const best = (await stack.call('GET', `/api/v1/sweeps/${id}/best`)).json;
    for (const row of best.rows) {
      let top = { lr: 0, wd: 0, v: -1 };
      for (const lr of lrs)
        for (const wd of wds) {
          const v = syntheticValue({
            lr,
            weightDecay: wd,
            seed: 0,
            epoch: 12,
            checkpoint: row.checkpoint,
          });
          if (v > top.v) top = { lr, wd, v };
        }
      expect(row.best.params, row.checkpoint).toEqual({
        lr: top.lr,
        weight_decay: top.wd,
        momentum: 0.9,
      });
      expect(row.best.mean).toBeCloseTo(top.v, 12);
    }
    const pruned = (await stack.call('GET', `/api/v1/sweeps/${id}/trials?state=pruned&limit=100`))
      .json;
    expect(pruned.trials[0].error).toMatch(/^pruned at epoch \d+: rank \d+ of \d+ at epoch \d+/);
    const grid = (await stack.call('GET', `/api/v1/sweeps/${id}/grid`)).json;
    const cells = grid.matrices.flatMap((m: { gridCells: Array<Array<{ state: string }>> }) =>
      m.gridCells.flat(),
    );
    expect(
      cells.some(
        (c: { state: string; prunedEpoch: number }) => c.state === 'pruned' && c.prunedEpoch > 0,
      ),
    ).toBe(true);
  });
});
