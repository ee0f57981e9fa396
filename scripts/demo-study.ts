/**
 * `npm run demo:study [-- --quick | --medium] [--exit] [--no-build] [--work-dir DIR]`: the study in miniature,
 * end to end on one machine (docs/study.md). Checks the services, migrates, starts the API and a worker with 2
 * slots, generates the detection set (the demo's images, smaller), runs the three pretraining recipes as recipe
 * trials through the API (top-1 per epoch as they come), then `examples/study-in-miniature.yaml` over the three
 * checkpoints they wrote, with a progress bar, and prints the best table (gain over base with 95 % intervals),
 * each checkpoint at base's best setting, each checkpoint's top-1 and where to look. `--quick` runs a reduced
 * version (tiny images, models and grid; what `npm test` runs); `--medium` a middle size. `--reuse` keeps the
 * checkpoints an earlier run of the same size left in the work directory (their records say how they were made)
 * and pretrains only the missing ones. The API and worker keep running until Ctrl-C unless `--exit`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { ApiClient, readSpecFile, watch, type SweepView } from '@sweeps/cli';
import { applyMigrations, createApiKey, createDb, readDbEnv } from '@sweeps/db';
import { generateDetectionSet } from '../packages/trainer-tfjs/src/data/generate.ts';
import { loadRecipes, recipeOptimizer } from '../packages/trainer-tfjs/src/pretrain/recipe.ts';
import { STUDY_SIZES, type StudySize, studyRecipeSweep, studySweep } from './study-sizes.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    medium: { type: 'boolean', default: false },
    exit: { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
    reuse: { type: 'boolean', default: false },
    'work-dir': { type: 'string' },
  },
});
const sizeName = args.quick ? 'quick' : args.medium ? 'medium' : 'full';
const size: StudySize = STUDY_SIZES[sizeName];
const workDir = args['work-dir'] ?? `.data/study${sizeName === 'full' ? '' : `-${sizeName}`}`;
const port = Number(process.env.PORT ?? 8080);
const apiUrl = `http://127.0.0.1:${port}`;
const say = (line: string) => console.log(`\x1b[1m▸ ${line}\x1b[0m`);
const children: ChildProcess[] = [];
const started = performance.now();
const minutes = () => ((performance.now() - started) / 60_000).toFixed(1);

function step(cmd: string, argv: string[]): void {
  const r = spawnSync(cmd, argv, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed`);
}

function startProcess(name: string, argv: string[]): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', ...argv], {
    cwd: root,
    env: { ...process.env, PORT: String(port), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => {
    if (process.env.DEMO_VERBOSE) process.stdout.write(`[${name}] ${d}`);
  });
  child.stderr!.on('data', (d: Buffer) => process.stderr.write(`[${name}] ${d}`));
  children.push(child);
  return child;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms)); // sleep-ok: polling the API

async function waitForApi(): Promise<void> {
  for (let i = 0; i < 120; i++) {
    try {
      if ((await fetch(`${apiUrl}/healthz`)).ok) return;
    } catch {
      /* not yet */
    }
    await pause(500);
  }
  throw new Error(
    `the API did not answer on ${apiUrl}/healthz within a minute (is port ${port} free? set PORT=...)`,
  );
}

interface TrialDetail {
  state: string;
  error: string | null;
  epochs: Array<Record<string, number>>;
}

/** Submits one recipe sweep per recipe and prints each one's top-1 per epoch until all are finished. */
async function runRecipes(client: ApiClient, saveDir: string): Promise<void> {
  const recipes = loadRecipes();
  const sweeps: Array<{ recipe: string; id: string; epochs: number }> = [];
  for (const recipe of ['base', 'rsb', 'tnr']) {
    const r = recipes[recipe]!;
    if (args.reuse && existsSync(path.join(root, saveDir, `${recipe}-seed0.record.json`))) {
      console.log(`  ${recipe}: reusing ${saveDir}/${recipe}-seed0.safetensors (--reuse)`);
      continue;
    }
    const opt = recipeOptimizer(r, size.pretrain.batch_size);
    const spec = studyRecipeSweep(size, recipe, opt.lr, opt.weight_decay ?? 0, saveDir);
    const created = await client.request<{ id: string }>('POST', '/api/v1/sweeps', spec);
    const epochs = size.pretrainEpochs?.[recipe] ?? r.epochs;
    sweeps.push({ recipe, id: created.id, epochs });
    console.log(
      `  ${recipe}: sweep ${created.id} (${r.description}; ${epochs} epoch${epochs === 1 ? '' : 's'})`,
    );
  }
  const shown = new Map<string, number>();
  const done = new Set<string>();
  while (done.size < sweeps.length) {
    await pause(3000);
    for (const s of sweeps) {
      if (done.has(s.recipe)) continue;
      const { trials } = await client.request<{ trials: Array<{ id: string }> }>(
        'GET',
        `/api/v1/sweeps/${s.id}/trials`,
      );
      const t = trials[0];
      if (!t) continue;
      const d = await client.request<TrialDetail>('GET', `/api/v1/sweeps/${s.id}/trials/${t.id}`);
      for (let e = (shown.get(s.recipe) ?? 0) + 1; e <= d.epochs.length; e++) {
        const m = d.epochs[e - 1]!;
        console.log(
          `  [${minutes()} min] ${s.recipe.padEnd(4)} epoch ${e}/${s.epochs}: top-1 ${(m['top1'] ?? Number.NaN).toFixed(3)}, loss ${(m['loss'] ?? Number.NaN).toFixed(3)}`,
        );
        shown.set(s.recipe, e);
      }
      if (['succeeded', 'failed', 'cancelled'].includes(d.state)) {
        done.add(s.recipe);
        if (d.state !== 'succeeded')
          throw new Error(
            `the ${s.recipe} recipe trial ${d.state}: ${d.error ?? 'no reason given'}`,
          );
      }
    }
  }
}

interface CheckpointRecord {
  recipe: string;
  seed: number;
  epochs: number;
  top1: number | null;
}

function readRecord(saveDir: string, recipe: string): CheckpointRecord {
  return JSON.parse(
    readFileSync(path.join(root, saveDir, `${recipe}-seed0.record.json`), 'utf8'),
  ) as CheckpointRecord;
}

interface BestRowView {
  checkpoint: string;
  baseline: boolean;
  best: { optimizer: string; params: Record<string, number>; mean: number } | null;
}

interface GridView {
  matrices: Array<{
    checkpoint: string;
    optimizer: string;
    lrs: number[];
    weightDecays: number[];
    values: Array<Array<{ mean: number; n: number } | null>>;
  }>;
}

/** Each checkpoint at the baseline's best cell (the study's "with the detector's stock settings"). */
function atBaselineSetting(best: BestRowView[], grid: GridView): string[] {
  const base = best.find((r) => r.baseline)?.best;
  if (!base) return ['(the baseline has no result)'];
  const lines = [
    `| checkpoint | at base's best (${base.optimizer} lr ${base.params.lr} wd ${base.params.weight_decay}) | n |`,
    '|---|---|---|',
  ];
  for (const row of best) {
    const m = grid.matrices.find(
      (g) => g.checkpoint === row.checkpoint && g.optimizer === base.optimizer,
    );
    const i = m?.lrs.indexOf(base.params.lr!) ?? -1;
    const j = m?.weightDecays.indexOf(base.params.weight_decay!) ?? -1;
    const v = i >= 0 && j >= 0 ? m!.values[i]![j] : null;
    lines.push(
      `| ${row.checkpoint} | ${v ? v.mean.toFixed(4) : 'no result (pruned or failed)'} | ${v?.n ?? 0} |`,
    );
  }
  return lines;
}

async function main(): Promise<void> {
  say(`The study in miniature (${sizeName}): ${size.summary}`);
  say('Checking PostgreSQL and Redis');
  step('bash', ['scripts/ensure-services.sh']);
  const { DATABASE_URL } = readDbEnv();
  const applied = await applyMigrations(DATABASE_URL);
  console.log(applied.length ? `applied ${applied.join(', ')}` : 'database is up to date');
  const db = createDb(DATABASE_URL, 1);
  const { key } = await createApiKey(db, 'write', 'demo-study');
  await db.$disconnect();
  if (!args['no-build']) {
    say('Building the dashboard (apps/dashboard → dist, served by the API at /)');
    step('npm', ['run', 'build', '--silent']);
  }
  const dataDir = path.join(workDir, 'shapes-coco');
  const saveDir = path.join(workDir, 'checkpoints');
  if (!existsSync(path.join(root, dataDir, 'annotations', 'instances_val.json'))) {
    say(`Generating the detection set in ${dataDir}`);
    generateDetectionSet({ seed: 0, outDir: path.join(root, dataDir), ...size.data });
  }
  // trials may run as an unprivileged user (a worker started as root): they write their checkpoints here
  mkdirSync(path.join(root, saveDir), { recursive: true });
  chmodSync(path.join(root, saveDir), 0o1777);
  say(`Starting the API on ${apiUrl} and a worker with 2 slots`);
  startProcess('api', ['apps/api/src/main.ts']);
  await waitForApi();
  startProcess('worker', ['apps/worker/src/main.ts', '--slots', '2']);
  const client = new ApiClient({ baseUrl: apiUrl, apiKey: key });

  say('Pretraining three checkpoints: the recipes as recipe trials (task: classification)');
  await runRecipes(client, saveDir);
  const records = Object.fromEntries(
    ['base', 'rsb', 'tnr'].map((r) => [r, readRecord(saveDir, r)]),
  );
  console.log(`  checkpoints in ${saveDir} after ${minutes()} min`);

  say('Submitting examples/study-in-miniature.yaml over the three checkpoints');
  const spec = studySweep(
    size,
    (await readSpecFile(`${root}examples/study-in-miniature.yaml`)) as Record<string, unknown>,
    workDir,
  );
  const sweep = await client.request<{ id: string; totalTrials: number }>(
    'POST',
    '/api/v1/sweeps',
    spec,
  );
  console.log(`sweep ${sweep.id}: ${sweep.totalTrials} trials (confirm trials come later)`);
  console.log(
    `watch it live: ${apiUrl}/sweeps/${sweep.id} (sign in with the key printed at the end)`,
  );
  const get = () => client.request<SweepView>('GET', `/api/v1/sweeps/${sweep.id}`);
  await watch(await get(), get);
  const view = await get();
  say(
    `Best setting per checkpoint (bbox mAP; gain over base with its 95 % interval) after ${minutes()} min`,
  );
  console.log(await client.raw('GET', `/api/v1/sweeps/${sweep.id}/export?format=md&table=best`));
  const best = await client.request<{ rows: BestRowView[] }>(
    'GET',
    `/api/v1/sweeps/${sweep.id}/best`,
  );
  const grid = await client.request<GridView>('GET', `/api/v1/sweeps/${sweep.id}/grid`);
  say("Each checkpoint with base's best setting (the study's stock settings)");
  console.log(atBaselineSetting(best.rows, grid).join('\n'));
  say('Checkpoints: validation top-1 of each recipe (chance 0.067)');
  console.log('| checkpoint | recipe | epochs | top-1 |\n|---|---|---|---|');
  for (const [name, r] of Object.entries(records))
    console.log(`| ${name} | ${r.recipe} | ${r.epochs} | ${r.top1?.toFixed(3) ?? '-'} |`);
  console.log(
    `\nepochs run ${String((view as unknown as Record<string, unknown>)['epochs_run'] ?? '?')} of the full grid's ${String((view as unknown as Record<string, unknown>)['epochs_full_grid'] ?? '?')}; ${minutes()} min in all`,
  );
  say('Where to look');
  console.log(
    [
      `  Dashboard:            ${apiUrl}/sweeps/${sweep.id}   (sign in with the key below)`,
      `  Your write key:       export SWEEPS_API_KEY=${key}`,
      `  CLI:                  npx sweeps best ${sweep.id}   |   npx sweeps grid ${sweep.id}`,
    ].join('\n'),
  );
  if (args.exit) return;
  say('The API and the worker keep running; press Ctrl-C to stop them.');
  await new Promise(() => {});
}

const stop = () => {
  for (const c of children) c.kill('SIGTERM');
};
process.on('SIGINT', () => {
  stop();
  process.exit(0);
});
process.on('SIGTERM', () => {
  stop();
  process.exit(0);
});
main().then(stop, (err: Error) => {
  console.error(`Demo failed: ${err.message}`);
  stop();
  process.exitCode = 1;
});
