/**
 * asha vs the full grid on the real `tfjs` demo grid: examples/detector-sweep.yaml (Faster R-CNN on the generated
 * demo set; 2 checkpoints x 12 cells x 6 epochs, kind tfjs) through the API and one worker with 2 slots, first as
 * a full grid, then the same sweep with `strategy: { kind: asha }` (defaults: the first rung at a quarter of the
 * epochs, 2 of 6, reduction factor 3). It prints, as JSON lines: each trial's per-epoch bbox mAP (the curves), the
 * epochs each sweep ran against the full grid's, and the best cell per checkpoint of both. Because the trials
 * are deterministic, it then replays asha on the grid's recorded curves in other start orders (other sweep ids,
 * trial id order as the API enqueues them), in both forms as the database applies them (bench/asha-schedule.ts:
 * stop-or-go with core's `decidePromotion`, pausing with core's `settleRung`; a trial that diverged in the grid
 * fails at the same epoch in a replay): one real asha run says what happened once, the replays how often.
 *
 * Needs the demo set and backbone (`npm run demo:train` writes them to .data/demo/). On 2 cores with the native
 * kernels the grid takes about 40 minutes, the asha sweep less.
 *
 * npx tsx bench/asha-tfjs.bench.ts [--replays 10] [--curves curves.json (replay only, no sweeps run)]
 *   [--asha-only --curves curves.json [--strategy '{"min_epochs":3}']]: runs the asha sweep alone (the tfjs trainer
 *   resumes from its snapshots, so asha pauses its trials), compared with a grid recorded earlier. Values agree to
 *   the last digit only with a grid recorded on the same CPU type (the native kernels' sums differ between types).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { AshaStrategySchema, startOrder, trialIdOf } from '@sweeps/core';
import { parse } from 'yaml';
import { REPO_ROOT, Stack } from '../test/support/stack.ts';
import { waitFor } from '../test/support/wait-for.ts';
import { simulateAsha, simulateAshaPausing } from './asha-schedule.ts';

const { values } = parseArgs({
  options: {
    replays: { type: 'string', default: '10' },
    curves: { type: 'string' },
    out: { type: 'string', default: 'asha-tfjs-curves.json' },
    'asha-only': { type: 'boolean', default: false },
    strategy: { type: 'string', default: '{}' },
  },
});

interface Curve {
  checkpoint: string;
  configHash: string;
  cell: string;
  /** bbox mAP after each epoch, epoch 1 first */
  values: number[];
}

const spec = parse(readFileSync(`${REPO_ROOT}examples/detector-sweep.yaml`, 'utf8'));
const EPOCHS: number = spec.fixed.epochs;
const log = (line: object) => console.log(JSON.stringify(line));

function cellName(t: { optimizer: string; params: Record<string, unknown> }): string {
  return `${t.optimizer} lr ${t.params['lr']} wd ${t.params['weight_decay']}`;
}

interface TrialRow {
  id: string;
  checkpoint: string;
  configHash: string;
  optimizer: string;
  params: Record<string, unknown>;
  state: string;
}

/** Runs one sweep to the end, printing progress; returns it and its trials' curves. */
async function runSweep(stack: Stack, body: object, label: string) {
  const created = await stack.call('POST', '/api/v1/sweeps', body);
  if (created.status !== 201) throw new Error(`${label}: ${created.status} ${created.text}`);
  const id: string = created.json.id;
  const started = Date.now();
  const done = await waitFor(
    `the ${label} sweep to finish`,
    async () => {
      const s = (await stack.call('GET', `/api/v1/sweeps/${id}`)).json;
      process.stderr.write(
        `\r${label}: ${JSON.stringify(s.counts)} ${s.epochs_run ?? '?'} epochs, ${Math.round((Date.now() - started) / 1000)} s   `,
      );
      return s.phase === 'finished' ? s : undefined;
    },
    4 * 3600_000,
    15_000,
  );
  process.stderr.write('\n');
  const trials: TrialRow[] = (await stack.call('GET', `/api/v1/sweeps/${id}/trials?limit=200`)).json
    .trials;
  const curves: Curve[] = [];
  for (const t of trials) {
    const detail = (await stack.call('GET', `/api/v1/sweeps/${id}/trials/${t.id}`)).json;
    const epochs = detail.epochs as Array<Record<string, unknown>>;
    const values = epochs.map((e) => {
      const m =
        (e['metrics'] as Record<string, number> | undefined) ?? (e as Record<string, number>);
      return Number(m['bbox_mAP']);
    });
    curves.push({ checkpoint: t.checkpoint, configHash: t.configHash, cell: cellName(t), values });
  }
  const best = (await stack.call('GET', `/api/v1/sweeps/${id}/best`)).json.rows.map(
    (r: {
      checkpoint: string;
      best: { optimizer: string; params: Record<string, unknown>; mean: number };
    }) => ({
      checkpoint: r.checkpoint,
      cell: cellName(r.best),
      mean: r.best.mean,
    }),
  );
  return { id, done, curves, best, seconds: Math.round((Date.now() - started) / 1000) };
}

/** Per checkpoint, the best cell and its final value among the curves that ran all their epochs and `finished`. */
type Best = Map<string, { cell: string; v: number }>;

function bestOf(curves: Curve[], finished: (c: Curve) => boolean): Best {
  const best = new Map<string, { cell: string; v: number }>();
  for (const c of curves) {
    if (c.values.length < EPOCHS || !finished(c)) continue;
    const v = c.values[EPOCHS - 1]!;
    const b = best.get(c.checkpoint);
    if (!b || v > b.v) best.set(c.checkpoint, { cell: c.cell, v });
  }
  return best;
}

/**
 * asha in one form (`simulate`: stop-or-go or pausing, bench/asha-schedule.ts) on recorded curves, `slots` at a
 * time in the API's start order for `sweepId`, against `grid`, the full grid's best per checkpoint: whether it kept
 * those cells, its regret (how much worse a checkpoint's best kept cell is than the grid's best, the largest over
 * checkpoints, metric units) and the time until its last slot fell idle.
 */
function replay(
  curves: Curve[],
  grid: Best,
  sweepId: string,
  slots: number,
  settings: object,
  simulate: typeof simulateAsha,
) {
  const strategy = AshaStrategySchema.parse({ kind: 'asha', ...settings });
  const withIds = curves.map((c) => ({
    ...c,
    trialId: trialIdOf(sweepId, c.checkpoint, c.configHash, 0),
  }));
  const perCheckpoint = new Map<string, number>();
  for (const c of withIds)
    perCheckpoint.set(c.checkpoint, (perCheckpoint.get(c.checkpoint) ?? 0) + 1);
  const run = simulate({
    order: startOrder(strategy, withIds),
    slots,
    epochs: EPOCHS,
    strategy,
    // a trial that diverged in the grid fails at the same epoch here
    value: (c, epoch) => c.values[epoch - 1],
    population: (checkpoint) => perCheckpoint.get(checkpoint)!,
  });
  const kept = bestOf(withIds, (c) => run.finished.has((c as (typeof withIds)[number]).trialId));
  const sameBest = [...grid].every(([k, b]) => kept.get(k)?.cell === b.cell);
  const regret = Math.max(...[...grid].map(([k, b]) => b.v - (kept.get(k)?.v ?? 0)));
  return { epochsRun: run.epochsRun, sameBest, rungs: run.rungs, regret, timeUnits: run.timeUnits };
}

/** Runs the asha sweep and compares it, epoch by epoch and by best cells, with the grid's `curves`. */
async function runAsha(stack: Stack, curves: Curve[]) {
  const settings = JSON.parse(values.strategy) as object;
  const asha = await runSweep(
    stack,
    { ...spec, name: 'tfjs-asha', strategy: { kind: 'asha', ...settings } },
    'asha',
  );
  const gridBest = bestOf(curves, () => true);
  // The replays rest on this: a trial's epochs give the same values in both sweeps (deterministic trials).
  const key = (c: Curve) => `${c.checkpoint}/${c.configHash}`;
  const gridValues = new Map(curves.map((c) => [key(c), c.values]));
  let epochs = 0;
  let equal = 0;
  for (const c of asha.curves) {
    c.values.forEach((v, i) => {
      epochs++;
      if (gridValues.get(key(c))?.[i] === v) equal++;
    });
  }
  log({
    bench: 'asha-tfjs',
    sweep: 'asha',
    strategy: settings,
    epochs_real_grid: curves.reduce((a, c) => a + c.values.length, 0),
    epochs_equal_to_grid: `${equal}/${epochs}`,
    epochs_run: asha.done.epochs_run,
    epochs_full_grid: asha.done.epochs_full_grid,
    fraction: Number((asha.done.epochs_run / asha.done.epochs_full_grid).toFixed(3)),
    counts: asha.done.counts,
    wall_s: asha.seconds,
    best: asha.best,
    same_best_cells: asha.best.every(
      (b: { checkpoint: string; cell: string }) => gridBest.get(b.checkpoint)?.cell === b.cell,
    ),
  });
}

let curves: Curve[];
if (values['asha-only']) {
  if (values.curves === undefined)
    throw new Error('--asha-only compares with a recorded grid: give --curves');
  curves = JSON.parse(readFileSync(values.curves, 'utf8')) as Curve[];
  const stack = new Stack();
  try {
    await stack.start({ workers: 0 });
    await stack.startWorker(`w-${stack.prefix}`, 2);
    await runAsha(stack, curves);
  } finally {
    await stack.stop();
  }
} else if (values.curves !== undefined) {
  curves = JSON.parse(readFileSync(values.curves, 'utf8')) as Curve[];
} else {
  for (const need of ['.data/demo/shapes-coco', '.data/demo/base.safetensors']) {
    if (!existsSync(`${REPO_ROOT}${need}`)) {
      throw new Error(
        `${need} is missing: run npm run demo:train once first (it writes the set and backbone)`,
      );
    }
  }
  const stack = new Stack();
  try {
    await stack.start({ workers: 0 });
    await stack.startWorker(`w-${stack.prefix}`, 2);
    const grid = await runSweep(stack, { ...spec, name: 'tfjs-grid' }, 'full grid');
    curves = grid.curves;
    writeFileSync(values.out, JSON.stringify(curves, null, 1));
    for (const c of curves)
      log({ bench: 'asha-tfjs', curve: c.cell, checkpoint: c.checkpoint, bbox_mAP: c.values });
    log({
      bench: 'asha-tfjs',
      sweep: 'full grid',
      epochs_run: grid.done.epochs_run,
      epochs_full_grid: grid.done.epochs_full_grid,
      counts: grid.done.counts,
      wall_s: grid.seconds,
      best: grid.best,
    });
    await runAsha(stack, curves);
  } finally {
    await stack.stop();
  }
}

const gridBest = bestOf(curves, () => true);
/** The epochs the full grid ran (a trial that diverged reports none after its last full epoch). */
const gridEpochs = curves.reduce((a, c) => a + c.values.length, 0);
const replays = Number(values.replays);
// The defaults (first rung at a quarter of the epochs, factor 3), then other rungs and factors on the same curves.
const variants: object[] = [
  {},
  { min_epochs: 1 },
  { min_epochs: 1, reduction_factor: 2 },
  { min_epochs: 2, reduction_factor: 2 },
  { min_epochs: 3 },
  { min_epochs: 3, reduction_factor: 2 },
  { reduction_factor: 4 },
];
const forms: Array<[string, typeof simulateAsha]> = [
  ['stop-or-go', simulateAsha],
  ['pausing', simulateAshaPausing],
];
for (const settings of variants) {
  for (const [form, simulate] of forms) {
    const fractions: number[] = [];
    const regrets: number[] = [];
    const times: number[] = [];
    let same = 0;
    let rungs: number[] = [];
    for (let k = 0; k < replays; k++) {
      const sweepId = `sw_replay${String(k).padStart(8, '0')}`;
      const r = replay(curves, gridBest, sweepId, 2, settings, simulate);
      // the full grid in the same order on the same slots: a first rung at the last epoch leaves no rung
      const full = replay(curves, gridBest, sweepId, 2, { min_epochs: EPOCHS }, simulateAsha);
      rungs = r.rungs;
      fractions.push(r.epochsRun / gridEpochs);
      regrets.push(r.regret);
      times.push(r.timeUnits / full.timeUnits);
      if (r.sameBest) same++;
    }
    log({
      bench: 'asha-tfjs',
      replays,
      form,
      strategy: { kind: 'asha', ...settings },
      rungs,
      slots: 2,
      grid_epochs: gridEpochs,
      grid_best: Object.fromEntries([...gridBest].map(([k, b]) => [k, b.cell])),
      fraction_mean: Number((fractions.reduce((a, b) => a + b, 0) / replays).toFixed(3)),
      fraction_min: Number(Math.min(...fractions).toFixed(3)),
      fraction_max: Number(Math.max(...fractions).toFixed(3)),
      same_best_cells: `${same}/${replays}`,
      // per replay, the largest shortfall of a checkpoint's best kept cell against the grid's best
      regret_mean: Number((regrets.reduce((a, b) => a + b, 0) / replays).toFixed(4)),
      regret_max: Number(Math.max(...regrets).toFixed(4)),
      // time until the last slot fell idle, against the full grid's on the same 2 slots
      time_vs_grid: Number((times.reduce((a, b) => a + b, 0) / replays).toFixed(3)),
    });
  }
}
