/**
 * Full grid vs asha on the synthetic trainer's crossing curves (examples/asha-synthetic/curve.mjs): `workers`
 * slots take trials in grid order, one epoch per time unit, and at every rung ask core's `decidePromotion` with
 * the values recorded so far at that rung by trials of the same checkpoint (as the database does). Prints, per grid
 * size, the epochs each costs and whether the best cell per checkpoint is the same. No services: it measures the
 * rule on an asynchronous schedule, not the orchestration.
 */
import { AshaStrategySchema, decidePromotion, rungEpochs, type RungEntry } from '@sweeps/core';
// @ts-expect-error: a plain ES module without types, shared with the synthetic trainer
import { syntheticValue } from '../examples/asha-synthetic/curve.mjs';

interface Trial {
  id: string;
  checkpoint: string;
  lr: number;
  wd: number;
}

const value = (t: Trial, epoch: number): number =>
  syntheticValue({ lr: t.lr, weightDecay: t.wd, seed: 0, epoch, checkpoint: t.checkpoint });

function grid(lrs: number[], wds: number[]): Trial[] {
  return ['base', 'tnr'].flatMap((checkpoint) =>
    lrs.flatMap((lr) => wds.map((wd) => ({ id: `${checkpoint}-${lr}-${wd}`, checkpoint, lr, wd }))),
  );
}

/** A fixed permutation (LCG-driven Fisher-Yates), so every run of the benchmark is the same. */
function shuffled<T>(items: T[], seed = 12345): T[] {
  const out = [...items];
  let x = seed;
  for (let i = out.length - 1; i > 0; i--) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    const j = x % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function simulate(trials: Trial[], epochs: number, workers: number, minEpochs: number) {
  const strategy = AshaStrategySchema.parse({
    kind: 'asha',
    min_epochs: minEpochs,
    reduction_factor: 3,
  });
  const rungs = rungEpochs(strategy, epochs);
  const recorded = new Map<string, RungEntry[]>();
  const queue = [...trials];
  const finished = new Map<string, number>();
  let epochsRun = 0;
  const slots: Array<{ t: Trial; epoch: number } | null> = Array.from(
    { length: workers },
    () => null,
  );
  while (queue.length > 0 || slots.some((s) => s !== null)) {
    for (let i = 0; i < workers; i++) {
      if (slots[i] === null && queue.length > 0) slots[i] = { t: queue.shift()!, epoch: 0 };
      const s = slots[i];
      if (!s) continue;
      s.epoch++;
      epochsRun++;
      const v = value(s.t, s.epoch);
      if (s.epoch === epochs) {
        finished.set(s.t.id, v);
        slots[i] = null;
      } else if (rungs.includes(s.epoch)) {
        const key = `${s.t.checkpoint}/${s.epoch}`;
        const earlier = recorded.get(key) ?? [];
        const d = decidePromotion(v, earlier, strategy.reduction_factor, 'maximize', s.epoch);
        recorded.set(key, [...earlier, { trialId: s.t.id, value: v }]);
        if (!d.promoted) slots[i] = null;
      }
    }
  }
  return { epochsRun, finished, rungs };
}

function bestPerCheckpoint(trials: Trial[], final: (t: Trial) => number | undefined) {
  const best = new Map<string, { id: string; v: number }>();
  for (const t of trials) {
    const v = final(t);
    if (v === undefined) continue;
    const cur = best.get(t.checkpoint);
    if (!cur || v > cur.v) best.set(t.checkpoint, { id: t.id, v });
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
const epochs = 12;
for (const [name, lrs, wds] of cases) {
  const trials = grid(lrs, wds);
  for (const [order, workers, minEpochs] of [
    ['grid', 8, 1],
    ['shuffled', 8, 1],
    ['grid', 8, 3],
    ['shuffled', 8, 3],
  ] as const) {
    const full = bestPerCheckpoint(trials, (t) => value(t, epochs));
    const sim = simulate(order === 'grid' ? trials : shuffled(trials), epochs, workers, minEpochs);
    const asha = bestPerCheckpoint(trials, (t) => sim.finished.get(t.id));
    const same = [...full].every(([ck, b]) => asha.get(ck)?.id === b.id);
    const fullEpochs = trials.length * epochs;
    console.log(
      JSON.stringify({
        bench: 'asha-vs-grid',
        case: name,
        order,
        workers,
        min_epochs: minEpochs,
        rungs: sim.rungs,
        epochs_full_grid: fullEpochs,
        epochs_asha: sim.epochsRun,
        fraction: Number((sim.epochsRun / fullEpochs).toFixed(3)),
        same_best_cells: same,
        best: Object.fromEntries([...asha].map(([ck, b]) => [ck, b.id])),
      }),
    );
  }
}
