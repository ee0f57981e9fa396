/**
 * End to end: the API and two worker processes on the real Redis and PostgreSQL run the issue's sweep
 * (2 checkpoints x 12 cells) with a real training script; grid, best table and exports must agree with the trials.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Stack } from './support/stack.ts';
import { studySweep } from './fixtures/study-mnist.ts';

const stack = new Stack();
beforeAll(async () => {
  await stack.start({ workers: 2 });
}, 120_000);
afterAll(async () => {
  await stack.stop();
});

interface Trial {
  id: string;
  checkpoint: string;
  optimizer: string;
  params: Record<string, number>;
  state: string;
  finalMetric: number | null;
  worker: string;
}

async function allTrials(sweepId: string): Promise<Trial[]> {
  const out: Trial[] = [];
  let cursor: string | null = null;
  do {
    const r = await stack.call(
      'GET',
      `/api/v1/sweeps/${sweepId}/trials?limit=7${cursor ? `&cursor=${cursor}` : ''}`,
    );
    out.push(...r.json.trials);
    cursor = r.json.nextCursor;
  } while (cursor);
  return out;
}

describe('a sweep end to end', () => {
  let sweepId = '';
  let trials: Trial[] = [];

  it('runs every trial of the study sweep on the two workers', async () => {
    const created = await stack.call('POST', '/api/v1/sweeps', studySweep());
    expect(created.status, created.text).toBe(201);
    expect(created.json.totalTrials).toBe(24);
    sweepId = created.json.id;
    const done = await stack.waitForPhase(sweepId, 'finished', 180_000).catch((e) => {
      throw new Error(`${e.message}\n${stack.logs()}`);
    });
    expect(done.counts).toMatchObject({ succeeded: 24, failed: 0, total: 24 });
    trials = await allTrials(sweepId);
    expect(trials).toHaveLength(24);
    expect(new Set(trials.map((t) => t.worker)).size).toBe(2);
  });

  it('reports per-epoch metrics for a trial', async () => {
    const t = await stack.call('GET', `/api/v1/sweeps/${sweepId}/trials/${trials[0]!.id}`);
    expect(t.json.epochs).toHaveLength(1);
    expect(t.json.epochs[0].val_accuracy).toBe(t.json.finalMetric);
    expect(t.json.epochs[0]).toHaveProperty('loss');
  });

  it("grid cells equal the trials' final metrics", async () => {
    const grid = (await stack.call('GET', `/api/v1/sweeps/${sweepId}/grid`)).json;
    expect(grid.matrices).toHaveLength(4);
    for (const m of grid.matrices) {
      m.lrs.forEach((lr: number, i: number) => {
        m.weightDecays.forEach((wd: number, j: number) => {
          const t = trials.find(
            (x) =>
              x.checkpoint === m.checkpoint &&
              x.optimizer === m.optimizer &&
              x.params.lr === lr &&
              x.params.weight_decay === wd,
          )!;
          expect(m.values[i][j].mean).toBe(t.finalMetric);
          expect(m.gridCells[i][j]).toMatchObject({ state: 'succeeded', succeeded: 1, total: 1 });
        });
      });
      expect(m.cells, 'the deprecated alias of gridCells').toEqual(m.gridCells);
    }
  });

  it('the best table picks the best trial per checkpoint and the gain over the baseline', async () => {
    const best = (await stack.call('GET', `/api/v1/sweeps/${sweepId}/best`)).json;
    const top = (ck: string) =>
      Math.max(...trials.filter((t) => t.checkpoint === ck).map((t) => t.finalMetric!));
    expect(best.rows.map((r: { checkpoint: string }) => r.checkpoint)).toEqual([
      'r50-base',
      'r50-tnr',
    ]);
    expect(best.rows[0].best.mean).toBe(top('r50-base'));
    expect(best.rows[1].best.mean).toBe(top('r50-tnr'));
    expect(best.rows[1].gain).toBeCloseTo(top('r50-tnr') - top('r50-base'), 12);
    // `status` is the deprecated first name of `outcome`
    expect(
      best.rows.map((r: { outcome: string; status: string }) => [r.outcome, r.status]),
    ).toEqual([
      ['ok', 'ok'],
      ['ok', 'ok'],
    ]);
  });

  it('exports the best table and the grid as CSV and Markdown', async () => {
    const csv = (
      await stack.call('GET', `/api/v1/sweeps/${sweepId}/export?format=csv&table=grid`)
    ).text
      .trim()
      .split('\n');
    expect(csv).toHaveLength(25);
    for (const line of csv.slice(1)) {
      const [ck, opt, lr, wd, mean] = line.split(',');
      const t = trials.find(
        (x) =>
          x.checkpoint === ck &&
          x.optimizer === opt &&
          x.params.lr === Number(lr) &&
          x.params.weight_decay === Number(wd),
      )!;
      expect(Number(mean)).toBe(t.finalMetric);
    }
    const md = (await stack.call('GET', `/api/v1/sweeps/${sweepId}/export?format=md`)).text;
    const base = Math.max(
      ...trials.filter((t) => t.checkpoint === 'r50-base').map((t) => t.finalMetric!),
    );
    expect(md).toContain(
      '| checkpoint | best optimizer | lr | wd | val_accuracy | gain vs r50-base [95% CI] | seeds | runner-up |',
    );
    expect(md).toContain(`| r50-base (baseline) |`);
    expect(md).toContain(base.toFixed(4));
    const bestCsv = (
      await stack.call('GET', `/api/v1/sweeps/${sweepId}/export?format=csv&table=best`)
    ).text.split('\n');
    // the deprecated `status` column third, `outcome` last
    expect(bestCsv[0]).toMatch(/^checkpoint,baseline,status,.*,outcome$/);
    expect(bestCsv[1]).toMatch(/^r50-base,true,ok,.*,ok$/);
  });

  it('extends the sweep without re-running old cells', async () => {
    const r = await stack.call('POST', `/api/v1/sweeps/${sweepId}/extend`, {
      space: { optimizer: { AdamW: { lr: [1.0e-4, 5.0e-4], weight_decay: [0.05] } } },
    });
    expect(r.status, r.text).toBe(200);
    expect(r.json.addedTrials).toBe(4); // lr 5e-4 x wd {0.05, 0.1} x 2 checkpoints
    const done = await stack.waitForPhase(sweepId, 'finished');
    expect(done.counts).toMatchObject({ succeeded: 28, total: 28 });
    const again = await allTrials(sweepId);
    for (const t of trials)
      expect(again.find((x) => x.id === t.id)!.finalMetric).toBe(t.finalMetric);
  });

  it('lists the workers with their slots', async () => {
    const w = (await stack.call('GET', '/api/v1/workers', undefined, { key: stack.readKey })).json
      .workers;
    expect(w.map((x: { id: string }) => x.id).sort()).toEqual(
      stack.workers.map((p) => p.name).sort(),
    );
    expect(w[0]).toMatchObject({ slots: 1, liveness: 'alive' });
  });

  it('the CLI shows the best table and the grid', async () => {
    const run = (args: string[]) =>
      promisify(execFile)(process.execPath, ['apps/cli/bin/sweeps.mjs', ...args], {
        env: { ...process.env, SWEEPS_API_URL: stack.baseUrl, SWEEPS_API_KEY: stack.readKey },
      });
    const best = await run(['best', sweepId]);
    expect(best.stdout).toMatch(/r50-base \(baseline\)/);
    expect(best.stdout).toMatch(/gain vs r50-base/);
    const grid = await run(['grid', sweepId]);
    const now = await allTrials(sweepId); // the extended sweep's 28
    const blocks = grid.stdout.trim().split(/\n\s*\n/);
    expect(blocks).toHaveLength(4); // 2 checkpoints x 2 optimizers
    let shown = 0;
    for (const block of blocks) {
      const [title, head, , ...rows] = block.split('\n');
      const [ck, opt, metricName] = title!.split(' · ');
      expect(metricName).toMatch(/^val_accuracy /);
      const wds = head!.split(/\s+/).slice(3).map(Number); // after "lr \ wd"
      for (const row of rows) {
        const [lr, ...values] = row.split(/\s+/);
        expect(values).toHaveLength(wds.length);
        values.forEach((v, j) => {
          const t = now.find(
            (x) =>
              x.checkpoint === ck &&
              x.optimizer === opt &&
              x.params.lr === Number(lr) &&
              x.params.weight_decay === wds[j],
          );
          expect(v, `${ck} ${opt} lr ${lr} wd ${wds[j]}`).toBe(t?.finalMetric?.toFixed(4));
          shown++;
        });
      }
    }
    expect(shown).toBe(28);
    const status = await run(['status', sweepId]);
    expect(status.stdout).toContain('finished');
    const err = await run(['cancel', sweepId]).catch((e) => e);
    expect(err.code).toBe(2);
    expect(err.stderr).toMatch(/scope "write"/);
  });
});
