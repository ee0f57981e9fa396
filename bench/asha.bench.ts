/**
 * Full grid vs asha, in both of its forms, on two synthetic curve families:
 * - `smooth`: the synthetic trainer's crossing curves (examples/asha-synthetic/curve.mjs: per checkpoint an optimal
 *   lr; a higher lr learns faster, leads early and ends lower; they rise until epoch 12);
 * - `step`: curves shaped like the study's own 1x schedule (examples/asha-synthetic/step-curve.mjs: warm-up, lr
 *   x 0.1 after epochs 8 and 11; higher lrs lead before the steps and end lower; the ranking after the first
 *   step is nearly the final one).
 * `workers` slots take trials in the order the API enqueues them (core's `startOrder`: trial id order for asha,
 * which depends on the sweep id, so each of `sweeps` sweep ids is one start order), one epoch per time unit
 * (bench/asha-schedule.ts). Forms: `stop-or-go` (core's `decidePromotion`: a trial goes on or is pruned at once,
 * the first rung with the checkpoint's trial count, as the database decides it) and `pausing` (the promotion form:
 * core's `settleRung`, paused trials promoted later resume from their rung epoch). No services: it measures the
 * rules on an asynchronous schedule, not the orchestration.
 *
 * Per family, grid, settings and form it prints one JSON line: the epochs run as a fraction of the full grid's
 * (mean, min, max over the start orders), the sweeps whose best cell per checkpoint is the full grid's, the regret
 * (how far a checkpoint's best kept cell falls below the grid's best at epoch 12, the largest over checkpoints,
 * mean and max over the start orders; mAP units), the time until the last slot fell idle against the grid's, and
 * synchronous successive halving's fraction on the same rungs for reference.
 *
 * npx tsx bench/asha.bench.ts [sweeps=10] [workers=8] [settings as JSON]
 */
import {
  type AshaStrategy,
  AshaStrategySchema,
  planSweep,
  startOrder,
  trialIdOf,
} from '@sweeps/core';
// @ts-expect-error: a plain ES module without types, shared with the synthetic trainer
import { syntheticValue } from '../examples/asha-synthetic/curve.mjs';
// @ts-expect-error: a plain ES module without types
import { stepScheduleValue } from '../examples/asha-synthetic/step-curve.mjs';
import { type AshaRun, simulateAsha, simulateAshaPausing } from './asha-schedule.ts';

interface Trial {
  trialId: string;
  checkpoint: string;
  lr: number;
  wd: number;
}

type Curve = (p: {
  lr: number;
  weightDecay: number;
  seed: number;
  epoch: number;
  checkpoint: string;
}) => number;

const EPOCHS = 12;
const CHECKPOINTS = ['base', 'tnr'];
const families: Array<[string, Curve]> = [
  ['smooth (curve.mjs)', syntheticValue],
  ['step schedule (step-curve.mjs)', stepScheduleValue],
];

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

/** Per checkpoint, the best cell (`lr/wd`) and its value at epoch 12 among the trials `final` gives a value. */
function bestPerCheckpoint(trials: Trial[], final: (t: Trial) => number | undefined) {
  const best = new Map<string, { cell: string; v: number }>();
  for (const t of trials) {
    const v = final(t);
    if (v === undefined) continue;
    const b = best.get(t.checkpoint);
    if (!b || v > b.v) best.set(t.checkpoint, { cell: `${t.lr}/${t.wd}`, v });
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
    '12 cells per checkpoint, lrs of the end-to-end test (6 lrs x 2 wds, test/asha.test.ts)',
    [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02],
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
/**
 * The defaults (first rung at a quarter of 12 = 3, factor 3), then other first rungs and factors; a JSON list as
 * the third argument replaces them (`'[{"min_epochs":2,"reduction_factor":2}]'`).
 */
const settings: Array<{ min_epochs?: number; reduction_factor?: number }> = process.argv[4]
  ? JSON.parse(process.argv[4])
  : [
      {},
      { reduction_factor: 2 },
      { reduction_factor: 4 },
      { min_epochs: 1 },
      { min_epochs: 1, reduction_factor: 2 },
      { min_epochs: 1, reduction_factor: 4 },
      { min_epochs: 2, reduction_factor: 2 },
      { min_epochs: 4, reduction_factor: 2 },
    ];
const forms: Array<[string, typeof simulateAsha]> = [
  ['stop-or-go', simulateAsha],
  ['pausing', simulateAshaPausing],
];
/**
 * Synchronous successive halving's epochs on `cells` trials per checkpoint, as a fraction of the grid's: every
 * trial runs to the first rung, the top max(1, floor(n / rf)) of each rung go on to the next. The asynchronous forms
 * cannot wait for a whole rung, so this is the reference for them, not a bound they can reach.
 */
function synchronousFraction(cells: number, rungs: number[], reductionFactor: number): number {
  let survivors = cells;
  let epochs = 0;
  let from = 0;
  for (const rung of rungs) {
    epochs += survivors * (rung - from);
    survivors = Math.max(1, Math.floor(survivors / reductionFactor));
    from = rung;
  }
  epochs += survivors * (EPOCHS - from);
  return epochs / (cells * EPOCHS);
}

const sweeps = Number(process.argv[2] ?? 10);
const workers = Number(process.argv[3] ?? 8);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const round = (x: number, digits: number) => Number(x.toFixed(digits));

for (const [family, curve] of families) {
  const value = (t: Trial, epoch: number): number =>
    curve({ lr: t.lr, weightDecay: t.wd, seed: 0, epoch, checkpoint: t.checkpoint });
  for (const [name, lrs, wds] of cases) {
    for (const setting of settings) {
      const strategy: AshaStrategy = AshaStrategySchema.parse({ kind: 'asha', ...setting });
      for (const [form, simulate] of forms) {
        const fractions: number[] = [];
        const regrets: number[] = [];
        const times: number[] = [];
        let same = 0;
        let run: AshaRun | undefined;
        for (let k = 0; k < sweeps; k++) {
          const trials = trialsOf(`sw_bench${String(k).padStart(8, '0')}`, lrs, wds);
          const perCheckpoint = trials.length / CHECKPOINTS.length;
          const order = startOrder(strategy, trials);
          const full = bestPerCheckpoint(trials, (t) => value(t, EPOCHS));
          // the full grid on the same slots: a first rung at the last epoch leaves no rung
          const grid = simulateAsha({
            order,
            slots: workers,
            epochs: EPOCHS,
            strategy: { ...strategy, min_epochs: EPOCHS },
            value,
          });
          run = simulate({
            order,
            slots: workers,
            epochs: EPOCHS,
            strategy,
            value,
            population: () => perCheckpoint,
          });
          const finished = run.finished;
          const kept = bestPerCheckpoint(trials, (t) => finished.get(t.trialId));
          if ([...full].every(([ck, b]) => kept.get(ck)?.cell === b.cell)) same++;
          regrets.push(Math.max(...[...full].map(([ck, b]) => b.v - (kept.get(ck)?.v ?? 0))));
          fractions.push(run.epochsRun / grid.epochsRun);
          times.push(run.timeUnits / grid.timeUnits);
        }
        console.log(
          JSON.stringify({
            bench: 'asha-vs-grid',
            family,
            case: name,
            form,
            strategy: { min_epochs: setting.min_epochs ?? 'default', ...strategy },
            rungs: run!.rungs,
            workers,
            sweeps,
            epochs_full_grid: lrs.length * wds.length * CHECKPOINTS.length * EPOCHS,
            fraction_synchronous: round(
              synchronousFraction(lrs.length * wds.length, run!.rungs, strategy.reduction_factor),
              3,
            ),
            fraction_mean: round(mean(fractions), 3),
            fraction_min: round(Math.min(...fractions), 3),
            fraction_max: round(Math.max(...fractions), 3),
            same_best_cells: `${same}/${sweeps}`,
            regret_mean: round(mean(regrets), 4),
            regret_max: round(Math.max(...regrets), 4),
            time_vs_grid: round(mean(times), 3),
          }),
        );
      }
    }
  }
}
