import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { buildBestTable, newSweepId, planSweep, ranksBefore, type CellResult } from '@sweeps/core';
import { TEST_DATABASE_URL } from '../../../test/support/services.ts';
import { createDb } from './client.ts';
import { createSweep } from './sweep-store.ts';
import { completeTrial } from './trial-store.ts';
import { bestCellResults, gridCellResults } from './results.ts';

const db = createDb(TEST_DATABASE_URL);
afterAll(() => db.$disconnect());

const spec = {
  name: 'ranking',
  metric: { name: 'm' },
  trainer: { kind: 'noop' },
  checkpoints: [
    { name: 'a', uri: 'x', baseline: true },
    { name: 'b', uri: 'y' },
  ],
  space: {
    optimizer: {
      SGD: { lr: [0.1, 0.2], weight_decay: [0], momentum: [0.8, 0.9] },
      AdamW: { lr: [0.1], weight_decay: [0] },
    },
  },
  seeds: [0, 1],
};

/** Stores a sweep whose trials succeed with metrics from `score(optimizer, lr, momentum, seed, checkpoint)`. */
async function finishedSweep(
  score: (o: string, lr: number, m: number, seed: number, ck: string) => number,
) {
  const id = newSweepId(randomBytes(8).toString('hex'));
  await createSweep(db, id, planSweep(spec));
  const trials = await db.trial.findMany({ where: { sweepId: id }, include: { checkpoint: true } });
  for (const t of trials) {
    const p = (t.config as { params: Record<string, number> }).params;
    await db.trial.update({ where: { id: t.id }, data: { state: 'running', workerId: 'w1' } });
    // Through the worker's own completion, which keeps the cell statistics the reads use.
    expect(
      await completeTrial(
        db,
        { trialId: t.id, workerId: 'w1', lease: 0 },
        {
          finalMetric: score(t.optimizer, p.lr!, p.momentum ?? 0, t.seed, t.checkpoint.name),
          metrics: {},
        },
      ),
    ).toBe(true);
  }
  return id;
}

describe('grid and best ranking in SQL', () => {
  it('averages seeds and keeps the best momentum per lr x weight-decay cell', async () => {
    const id = await finishedSweep(
      (o, lr, m, seed, ck) => (o === 'SGD' ? lr + m : 0.5) + seed * 0.01 + (ck === 'b' ? 1 : 0),
    );
    const grid = await gridCellResults(db, id, 'maximize');
    expect(grid).toHaveLength(6); // 2 checkpoints x (2 SGD lrs + 1 AdamW lr)
    const cell = grid.find(
      (g) => g.checkpoint === 'a' && g.optimizer === 'SGD' && g.params.lr === 0.2,
    )!;
    expect(cell.mean).toBeCloseTo(0.2 + 0.9 + 0.005, 12);
    expect(cell).toMatchObject({ n: 2, params: { lr: 0.2, weight_decay: 0 } });
    expect(cell.std).toBeCloseTo(Math.SQRT1_2 * 0.01, 12);
    const best = buildBestTable(
      [
        { name: 'a', baseline: true },
        { name: 'b', baseline: false },
      ],
      await bestCellResults(db, id, 'maximize'),
      'm',
      'maximize',
    );
    expect(best.rows[0]!.best!.params).toEqual({ lr: 0.2, weight_decay: 0, momentum: 0.9 });
    expect(best.rows[1]!.gain).toBeCloseTo(1, 12);
    const worst = await bestCellResults(db, id, 'minimize');
    expect(worst.find((r) => r.checkpoint === 'a')!.optimizer).toBe('AdamW');
    // each checkpoint's best, then its runner-up (the best table's p-value needs both)
    expect(best.rows[0]!.runner_up).toMatchObject({ optimizer: 'SGD', n: 2 });
    expect(best.rows[0]!.runner_up!.mean).toBeCloseTo(0.1 + 0.9 + 0.005, 12); // ties lr 0.2 momentum 0.8
    expect(best.rows[0]!.p_vs_runner_up).not.toBeNull();
    expect(worst.filter((r) => r.checkpoint === 'a')).toHaveLength(2);
  });

  it('breaks ties exactly as core does, and leaves failed and NaN results out', async () => {
    const id = await finishedSweep((o) => (o === 'AdamW' ? Number.NaN : 0.4));
    const rows = await gridCellResults(db, id, 'maximize');
    expect(rows.some((r) => r.optimizer === 'AdamW')).toBe(false);
    const sgd = rows.filter((r) => r.checkpoint === 'a');
    const all = await bestCellResults(db, id, 'maximize');
    const expected = [...sgd].sort((x: CellResult, y: CellResult) =>
      ranksBefore(x, y, 'maximize') ? -1 : 1,
    )[0]!;
    expect(all.find((r) => r.checkpoint === 'a')!.configHash).toBe(expected.configHash);
  });
});

describe('cell statistics kept by completeTrial', () => {
  it('equal the aggregate over the succeeded trials (count, mean, sample std), and a second completion changes nothing', async () => {
    const values = [0.31, 0.2975, 0.3333, 0.29, 1e-3, 0.7];
    const id = await finishedSweep(
      (_o, lr, m, seed, ck) =>
        values[(seed * 3 + (ck === 'b' ? 1 : 0) + Math.round(lr * 10) + m * 10) % values.length]! +
        lr,
    );
    const [first] = await db.trial.findMany({ where: { sweepId: id }, take: 1 });
    expect(
      await completeTrial(
        db,
        { trialId: first!.id, workerId: 'w1', lease: 0 },
        { finalMetric: 99, metrics: {} },
      ),
    ).toBe(false); // already succeeded
    const kept = await db.$queryRaw<
      Array<{ k: string; n: number; mean: number; std: number | null }>
    >`
      SELECT checkpoint_id || config_hash AS k, n, mean, CASE WHEN n > 1 THEN sqrt(m2 / (n - 1)) END AS std FROM cell_stats WHERE sweep_id = ${id} ORDER BY 1`;
    const direct = await db.$queryRaw<
      Array<{ k: string; n: number; mean: number; std: number | null }>
    >`
      SELECT checkpoint_id || config_hash AS k, count(*)::int AS n, avg(final_metric) AS mean, stddev_samp(final_metric) AS std
      FROM trials WHERE sweep_id = ${id} AND state = 'succeeded' GROUP BY 1 ORDER BY 1`;
    expect(kept.map((r) => [r.k, r.n])).toEqual(direct.map((r) => [r.k, r.n]));
    kept.forEach((r, i) => {
      expect(r.mean).toBeCloseTo(direct[i]!.mean, 14);
      expect(r.std!).toBeCloseTo(direct[i]!.std!, 14);
    });
  });
});
