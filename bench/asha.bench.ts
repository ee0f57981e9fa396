/**
 * Full grid vs asha on the synthetic trainer's crossing curves (examples/asha-synthetic/curve.mjs). `workers`
 * slots take trials in the order the API enqueues them (core's `startOrder`: trial id order for asha, which
 * depends on the sweep id, so each of `sweeps` sweep ids is one start order), one epoch per time unit, and at every
 * rung ask core's `decidePromotion` with the values recorded so far at that rung by trials of the same checkpoint
 * and, at the first rung, the checkpoint's trial count (as the database does). For comparison it also runs the
 * earlier variants: grid start order, and the rule without the first rung's population (places growing with the
 * values recorded). No services: it measures the rule on an asynchronous schedule, not the orchestration.
 *
 * npx tsx bench/asha.bench.ts [sweeps=10] [workers=8]
 */
import { AshaStrategySchema, planSweep, startOrder, trialIdOf } from '@sweeps/core';
// @ts-expect-error: a plain ES module without types, shared with the synthetic trainer
import { syntheticValue } from '../examples/asha-synthetic/curve.mjs';
import { simulateAsha } from './asha-schedule.ts';

interface Trial {
  trialId: string;
  checkpoint: string;
  lr: number;
  wd: number;
}

const EPOCHS = 12;
const CHECKPOINTS = ['base', 'tnr'];
const value = (t: Trial, epoch: number): number =>
  syntheticValue({ lr: t.lr, weightDecay: t.wd, seed: 0, epoch, checkpoint: t.checkpoint });

/** The sweep's trials in grid order (checkpoint, then cell), with the ids the API gives them. */
function trialsOf(sweepId: string, lrs: number[], wds: number[]): Trial[] {
  const plan = planSweep({
    name: 'bench',
    metric: { name: 'bbox_mAP' },
    trainer: { kind: 'noop' },
    checkpoints: CHECKPOINTS.map((name) => ({ name, uri: name })),
    space: { optimizer: { SGD: { lr: lrs, weight_decay: wds } } },
    fixed: { epochs: EPOCHS },
  });
  return CHECKPOINTS.flatMap((checkpoint) =>
    plan.cells.map((c) => ({
      trialId: trialIdOf(sweepId, checkpoint, c.configHash, 0),
      checkpoint,
      lr: Number(c.params.lr),
      wd: Number(c.params.weight_decay),
    })),
  );
}

type Rule = 'population' | 'growing';

function simulate(trials: Trial[], workers: number, minEpochs: number | undefined, rule: Rule) {
  const perCheckpoint = trials.length / CHECKPOINTS.length;
  return simulateAsha({
    order: trials,
    slots: workers,
    epochs: EPOCHS,
    strategy: AshaStrategySchema.parse({ kind: 'asha', min_epochs: minEpochs }),
    value,
    ...(rule === 'population' ? { population: () => perCheckpoint } : {}),
  });
}

function bestPerCheckpoint(trials: Trial[], final: (t: Trial) => number | undefined) {
  const best = new Map<string, string>();
  const values = new Map<string, number>();
  for (const t of trials) {
    const v = final(t);
    if (v === undefined) continue;
    if (!best.has(t.checkpoint) || v > values.get(t.checkpoint)!) {
      best.set(t.checkpoint, `${t.lr}/${t.wd}`);
      values.set(t.checkpoint, v);
    }
  }
  return best;
}

const cases: Array<[string, number[], number[]]> = [
  [
    '12 cells per checkpoint (6 lrs x 2 wds)',
    [0.001, 0.002, 0.005, 0.01, 0.02, 0.05],
    [1e-5, 1e-4],
  ],
  [
    '12 cells per checkpoint, demo-shaped lrs (3 lrs a factor 2 apart x 4 wds)',
    [0.005, 0.01, 0.02],
    [0, 1e-5, 1e-4, 1e-3],
  ],
  [
    '48 cells per checkpoint (12 lrs x 4 wds)',
    [0.0005, 0.001, 0.002, 0.003, 0.005, 0.007, 0.01, 0.015, 0.02, 0.03, 0.05, 0.1],
    [0, 1e-5, 1e-4, 1e-3],
  ],
  [
    '192 cells per checkpoint (24 lrs x 8 wds)',
    Array.from({ length: 24 }, (_, i) => 10 ** (-3.5 + (i * 2.5) / 23)),
    [0, 1e-6, 1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3],
  ],
];
const sweeps = Number(process.argv[2] ?? 10);
const workers = Number(process.argv[3] ?? 8);
const variants: Array<[string, Rule, boolean]> = [
  ['id order, first rung by population (now)', 'population', true],
  ['id order, places growing with the values', 'growing', true],
  ['grid order, places growing with the values (before)', 'growing', false],
];
for (const [name, lrs, wds] of cases) {
  for (const minEpochs of [1, undefined]) {
    for (const [variant, rule, idOrder] of variants) {
      const fractions: number[] = [];
      let same = 0;
      let rungs: number[] = [];
      for (let k = 0; k < sweeps; k++) {
        const trials = trialsOf(`sw_bench${String(k).padStart(8, '0')}`, lrs, wds);
        const full = bestPerCheckpoint(trials, (t) => value(t, EPOCHS));
        const order = idOrder
          ? startOrder(AshaStrategySchema.parse({ kind: 'asha' }), trials)
          : trials;
        const sim = simulate(order, workers, minEpochs, rule);
        rungs = sim.rungs;
        const asha = bestPerCheckpoint(trials, (t) => sim.finished.get(t.trialId));
        if ([...full].every(([ck, b]) => asha.get(ck) === b)) same++;
        fractions.push(sim.epochsRun / (trials.length * EPOCHS));
        if (!idOrder) break; // grid order is the same for every sweep id
      }
      const mean = fractions.reduce((a, b) => a + b, 0) / fractions.length;
      console.log(
        JSON.stringify({
          bench: 'asha-vs-grid',
          case: name,
          variant,
          min_epochs: minEpochs ?? 'default',
          rungs,
          workers,
          sweeps: fractions.length,
          epochs_full_grid: lrs.length * wds.length * CHECKPOINTS.length * EPOCHS,
          fraction_mean: Number(mean.toFixed(3)),
          fraction_min: Number(Math.min(...fractions).toFixed(3)),
          fraction_max: Number(Math.max(...fractions).toFixed(3)),
          same_best_cells: `${same}/${fractions.length}`,
        }),
      );
    }
  }
}
