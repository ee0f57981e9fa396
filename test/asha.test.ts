/**
 * End to end: an asha sweep of the synthetic command trainer (crossing curves: high lrs lead early and end
 * worse) through the API and two worker processes ends with pruned trials, fewer epochs than the full grid, and
 * per checkpoint the best cell the full grid would pick (computed from the same deterministic curves). On this grid
 * each checkpoint's best cell ranks within the top third at the first rung (epoch 3, the default: a quarter of 12)
 * and first at epoch 9, so the rule keeps it whatever order the trials start in (trial id order, random per sweep).
 */
import { welchInterval, welchPValue } from '@sweeps/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectFullGridBest as expectFullGridBestRows,
  SYNTHETIC_COMMAND,
} from './support/synthetic-trainer.ts';
import { Stack } from './support/stack.ts';
import { waitFor } from './support/wait-for.ts';

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
    command: [...SYNTHETIC_COMMAND, '--epoch-ms', '40'],
  },
  checkpoints: [
    { name: 'base', uri: 'none', baseline: true },
    { name: 'tnr', uri: 'none' },
  ],
  space: { optimizer: { SGD: { lr: lrs, weight_decay: wds } } },
  fixed: { epochs: 12 },
  strategy: { kind: 'asha', reduction_factor: 3 },
};

/**
 * The synthetic trainer with `epochMs` per epoch, snapshotting every epoch and resuming from `{resume_from}`: a
 * trainer that resumes, so asha pauses its trials at undecided rungs.
 */
function resumingTrainer(epochMs: number) {
  return {
    ...sweep.trainer,
    command: [
      ...sweep.trainer.command.slice(0, -1),
      String(epochMs),
      '--snapshot-dir',
      '{snapshot_dir}',
      '--resume-from',
      '{resume_from}',
    ],
  };
}

/** Per checkpoint, the sweep's best cell is the one the full grid picks (from the same deterministic curves). */
async function expectFullGridBest(id: string) {
  const best = (await stack.call('GET', `/api/v1/sweeps/${id}/best`)).json;
  expectFullGridBestRows(best.rows, lrs, wds);
}

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

    await expectFullGridBest(id);
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

  it('with a trainer that resumes, pauses trials at rungs and resumes the promoted ones where they stopped', async () => {
    const pausing = {
      ...sweep,
      name: 'asha-pausing-e2e',
      // 200 ms epochs: a rung's decision (a few ms) lands well before the next epoch even on a loaded machine;
      // epochs a trainer finishes while it stops are kept, and it resumes after them
      trainer: resumingTrainer(200),
    };
    const created = await stack.call('POST', '/api/v1/sweeps', pausing);
    expect(created.status, created.text).toBe(201);
    const id = created.json.id;
    const done = await stack.waitForPhase(id, 'finished', 180_000).catch((e) => {
      throw new Error(`${e.message}\n${stack.logs()}`);
    });
    console.log(
      JSON.stringify({ pausing: true, counts: done.counts, epochs_run: done.epochs_run }),
    );
    const failed = (await stack.call('GET', `/api/v1/sweeps/${id}/trials?state=failed&limit=10`))
      .json.trials as Array<{ error: string }>;
    expect(failed.map((t) => t.error)).toEqual([]);
    expect(done.counts).toMatchObject({ paused: 0, failed: 0, queued: 0, running: 0 });
    expect(done.counts.pruned).toBeGreaterThan(0);
    expect(done.counts.succeeded + done.counts.pruned).toBe(24);
    // the first rung keeps 4 of 12 per checkpoint, epoch 9 keeps at least one: never more than the
    // asynchronous rule's early promotions allow, and well below the grid
    expect(done.epochs_run).toBeLessThan(288);
    await expectFullGridBest(id);
    // a promoted trial resumed from its snapshot at the rung, and ran each epoch once: its curve is 1..12
    const trials = (
      await stack.call('GET', `/api/v1/sweeps/${id}/trials?state=succeeded&limit=100`)
    ).json.trials as Array<{ id: string }>;
    let resumed = 0;
    for (const t of trials) {
      const log = (await stack.call('GET', `/api/v1/sweeps/${id}/trials/${t.id}/log?tail=200`))
        .json;
      const lines = (log.lines as string[]).filter((l) => l.startsWith('resumed from'));
      if (lines.length === 0) continue;
      resumed++;
      // resumed at the rung it waited at (3 or 9), or an epoch later if its trainer ran on while it stopped
      const after = Number(/after epoch (\d+)$/.exec(lines[0]!)?.[1]);
      expect([3, 4, 9, 10]).toContain(after);
      const detail = (await stack.call('GET', `/api/v1/sweeps/${id}/trials/${t.id}`)).json;
      expect(detail.epochs.map((e: { epoch: number }) => e.epoch)).toEqual(
        Array.from({ length: 12 }, (_, i) => i + 1),
      );
      // it went on at both rungs: promoted at each, after waiting at one of them
      expect(detail.rungs.map((r: { epoch: number; outcome: string }) => r.epoch)).toEqual([3, 9]);
      expect(detail.rungs.every((r: { outcome: string }) => r.outcome === 'promoted')).toBe(true);
    }
    expect(resumed).toBeGreaterThan(0);
  });

  it('with a trainer that runs ahead of its rung decisions, ends every trial succeeded or pruned, none failed', async () => {
    // epochs of no time at all: a trial's trainer may finish epochs, or all 12, before its rung's decision stops it
    const instant = {
      ...sweep,
      name: 'asha-run-ahead-e2e',
      space: {
        optimizer: { SGD: { lr: [0.001, 0.002, 0.005, 0.01, 0.02], weight_decay: [1e-4] } },
      },
      trainer: resumingTrainer(0),
    };
    const created = await stack.call('POST', '/api/v1/sweeps', instant);
    expect(created.status, created.text).toBe(201);
    const id = created.json.id;
    const done = await stack.waitForPhase(id, 'finished', 120_000).catch((e) => {
      throw new Error(`${e.message}\n${stack.logs()}`);
    });
    const failed = (await stack.call('GET', `/api/v1/sweeps/${id}/trials?state=failed&limit=10`))
      .json.trials as Array<{ error: string }>;
    expect(failed.map((t) => t.error)).toEqual([]);
    expect(done.counts.succeeded + done.counts.pruned).toBe(10);
    const trials = (await stack.call('GET', `/api/v1/sweeps/${id}/trials?state=succeeded&limit=10`))
      .json.trials as Array<{ id: string }>;
    for (const t of trials) {
      const detail = (await stack.call('GET', `/api/v1/sweeps/${id}/trials/${t.id}`)).json;
      expect(detail.epochs.map((e: { epoch: number }) => e.epoch)).toEqual(
        Array.from({ length: 12 }, (_, i) => i + 1),
      );
    }
  });

  it('a 3-seed sweep: the best table carries intervals and p-values equal to a direct computation from the trials', async () => {
    const seeded = {
      ...sweep,
      name: 'seeds-e2e',
      space: { optimizer: { SGD: { lr: [0.002, 0.005, 0.01, 0.02], weight_decay: [1e-4] } } },
      fixed: { epochs: 3 },
      seeds: [0, 1, 2],
      strategy: { kind: 'grid' },
    };
    const created = await stack.call('POST', '/api/v1/sweeps', seeded);
    expect(created.status, created.text).toBe(201);
    const id = created.json.id;
    const done = await stack.waitForPhase(id, 'finished', 180_000).catch((e) => {
      throw new Error(`${e.message}\n${stack.logs()}`);
    });
    expect(done.counts).toMatchObject({ succeeded: 24, total: 24 });
    const trials = (await stack.call('GET', `/api/v1/sweeps/${id}/trials?limit=100`)).json
      .trials as Array<{ checkpoint: string; params: { lr: number }; finalMetric: number }>;
    // per checkpoint and cell: mean and sample sd over the three seeds, computed here from the trials
    const cells = new Map<string, Array<{ lr: number; mean: number; std: number; n: number }>>();
    for (const ck of ['base', 'tnr']) {
      const byLr = new Map<number, number[]>();
      for (const t of trials.filter((t) => t.checkpoint === ck))
        byLr.set(t.params.lr, [...(byLr.get(t.params.lr) ?? []), t.finalMetric]);
      const rows = [...byLr].map(([lr, v]) => {
        const mean = v.reduce((a, b) => a + b, 0) / v.length;
        const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1));
        return { lr, mean, std, n: v.length };
      });
      cells.set(
        ck,
        rows.sort((a, b) => b.mean - a.mean),
      );
    }
    const [baseBest] = cells.get('base')!;
    const [tnrBest, tnrSecond] = cells.get('tnr')!;
    const best = (await stack.call('GET', `/api/v1/sweeps/${id}/best`)).json;
    const tnr = best.rows.find((r: { checkpoint: string }) => r.checkpoint === 'tnr');
    expect(tnr.best).toMatchObject({ n: 3, params: { lr: tnrBest!.lr } });
    expect(tnr.best.mean).toBeCloseTo(tnrBest!.mean, 12);
    expect(tnr.best.std).toBeCloseTo(tnrBest!.std, 10);
    expect(tnr.gain).toBeCloseTo(tnrBest!.mean - baseBest!.mean, 12);
    const ci = welchInterval(tnrBest!, baseBest!)!;
    expect(tnr.gain_ci95[0]).toBeCloseTo(ci[0], 10);
    expect(tnr.gain_ci95[1]).toBeCloseTo(ci[1], 10);
    expect(tnr.within_noise).toBe(ci[0] <= 0 && ci[1] >= 0);
    expect(tnr.runner_up).toMatchObject({ n: 3, params: { lr: tnrSecond!.lr } });
    expect(tnr.p_vs_runner_up).toBeCloseTo(welchPValue(tnrBest!, tnrSecond!)!, 10);
    const base = best.rows.find((r: { checkpoint: string }) => r.checkpoint === 'base');
    expect(base.gain_ci95).toBeNull(); // the baseline has no gain over itself
  });

  it("a confirm stage runs each checkpoint's top cells again with the extra seeds, never pruned", async () => {
    const confirmed = { ...sweep, name: 'confirm-e2e', confirm: { top: 2, seeds: [1, 2] } };
    const created = await stack.call('POST', '/api/v1/sweeps', confirmed);
    expect(created.status, created.text).toBe(201);
    const id = created.json.id;
    // 24 trials of seed 0, then 2 cells x 2 seeds per checkpoint once its own trials have finished
    await waitFor(
      'the confirm trials to finish',
      async () => {
        const s = (await stack.call('GET', `/api/v1/sweeps/${id}`)).json;
        return s.counts.total === 32 && s.phase === 'finished' ? s : undefined;
      },
      180_000,
    ).catch((e) => {
      throw new Error(`${e.message}\n${stack.logs()}`);
    });
    const trials = (await stack.call('GET', `/api/v1/sweeps/${id}/trials?limit=100`)).json
      .trials as Array<{
      checkpoint: string;
      configHash: string;
      seed: number;
      state: string;
      finalMetric: number;
    }>;
    for (const ck of ['base', 'tnr']) {
      const own = trials.filter((t) => t.checkpoint === ck && t.seed === 0);
      const top2 = own
        .filter((t) => t.state === 'succeeded')
        .sort((a, b) => b.finalMetric - a.finalMetric)
        .slice(0, 2)
        .map((t) => t.configHash);
      const extra = trials.filter((t) => t.checkpoint === ck && t.seed !== 0);
      expect(extra.map((t) => `${t.configHash}/${t.seed}`).sort()).toEqual(
        top2.flatMap((h) => [`${h}/1`, `${h}/2`]).sort(),
      );
      expect(extra.every((t) => t.state === 'succeeded')).toBe(true);
    }
  });
});
