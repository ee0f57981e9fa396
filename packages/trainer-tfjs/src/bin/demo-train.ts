/**
 * `npm run demo:train [-- --epochs 7 --steps 6 --lr 0.002 --optimizer AdamW --batch-size 4 --scratch]`: the built-in trainer
 * on its demo, from the repository root. Generates the demo detection set when it is not cached in `.data/demo/`
 * yet, takes the committed base-recipe backbone (`backbones/`; another pretraining length is pretrained here,
 * progress on stderr), then fine-tunes the demo detector from that backbone and prints one JSON line per epoch on
 * stdout (`elapsed_s` counted from the start of fine-tuning); the last line is the final result.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { generateDetectionSet } from '../data/index.ts';
import { findCommittedBackbone, verifiedBackbonePath } from '../pretrain/committed-backbone.ts';
import { runPretrain } from '../pretrain/pretrain.ts';
import { selectBackend } from '../backend/select-backend.ts';
import type { DetectorOptions } from '../trainer/options.ts';
import { epochLine } from '../trainer/protocol.ts';
import { runTfjsChild } from '../trainer/tfjs-child.ts';

/** The demo set: what `generateDetectionSet` is asked for (seed 0). */
export interface DemoData {
  trainImages: number;
  valImages: number;
  /** Image sides are drawn in `minSize..maxSize`. */
  minSize: number;
  maxSize: number;
  classes: readonly string[];
  /** Side range of small objects (COCO-small, < 32^2 px in the original image). */
  smallObjectSide: readonly [number, number];
}

/** Everything the demo runs with. {@link DEMO} holds the defaults. */
export interface DemoSettings {
  data: DemoData;
  /** Epochs of the base-recipe pretraining (cached per value). */
  pretrainEpochs: number;
  epochs: number;
  /**
   * Epochs after which the lr drops x0.1. Default: one drop before the last epoch (`[epochs - 1]`): on these short
   * runs the 1x steps rescaled (8 and 11 of 12) decay too early (see the README's measurements).
   */
  steps?: readonly number[];
  optimizer: 'SGD' | 'AdamW';
  lr: number;
  weightDecay: number;
  batchSize: number;
  /** Longer image side the detector trains and predicts at. */
  scale: number;
  /** mmdet `frozen_stages` of the backbone (1: stem and first stage, as in the study). */
  frozenStages: number;
  /** Overrides of the demo detector preset (anchor scales, samples, proposals). */
  detector: DetectorOptions;
  /** Random backbone instead of the pretrained one. */
  scratch: boolean;
}

/**
 * The demo's defaults: five shapes, sides 64-128 px resized to 128 (so small objects, 12-26 px in the original,
 * stay visible while large ones (>= 96^2) fit the 128 px images), a base-pretrained ResNet-18 x 0.25.
 */
export const DEMO: DemoSettings = {
  data: {
    trainImages: 600,
    valImages: 100,
    minSize: 64,
    maxSize: 128,
    classes: ['circle', 'square', 'triangle', 'ring', 'cross'],
    smallObjectSide: [12, 26],
  },
  pretrainEpochs: 36,
  epochs: 7,
  optimizer: 'AdamW',
  lr: 2e-3,
  weightDecay: 0.05,
  batchSize: 4,
  scale: 128,
  frozenStages: 1,
  detector: {},
  scratch: false,
};

/** The demo's backbone size (`runPretrain`'s defaults). */
export const DEMO_BACKBONE = { depth: 18, width: 0.25 } as const;

/** Hooks and cache of {@link runDemo}. */
export interface DemoIo {
  /** Where the set and the base checkpoint are cached. */
  cacheDir: string;
  log: (line: string) => void;
  onEpoch: (epoch: number, metrics: Record<string, number>) => void;
}

/** A short, stable name for a generated set (its options' hash), so other options never reuse a stale set. */
export function demoDataDir(cacheDir: string, data: DemoData): string {
  const hash = createHash('sha256').update(JSON.stringify(data)).digest('hex').slice(0, 10);
  return path.join(cacheDir, `shapes-coco-${data.trainImages}-${data.valImages}-${hash}`);
}

/** The trial that fine-tunes the demo detector (what `createTfjsTrainer` would run for one grid cell). */
export function demoTrial(s: DemoSettings, dataDir: string, base: string) {
  const params: Record<string, number> =
    s.optimizer === 'SGD'
      ? { lr: s.lr, weight_decay: s.weightDecay, momentum: 0.9 }
      : { lr: s.lr, weight_decay: s.weightDecay };
  return {
    trialId: 'demo',
    sweepId: 'demo',
    seed: 0,
    metricName: 'bbox_mAP',
    optimizer: s.optimizer,
    params,
    checkpoint: s.scratch
      ? { name: 'scratch', uri: 'scratch' }
      : { name: 'base', uri: path.resolve(base) },
    fixed: { epochs: s.epochs, norm_decay_mult: 0 },
    trainer: {
      kind: 'tfjs',
      options: {
        task: 'detection',
        data_dir: path.resolve(dataDir),
        batch_size: s.batchSize,
        scale: s.scale,
        frozen_stages: s.frozenStages,
        steps: [...demoSteps(s)],
        detector: s.detector,
      },
    },
  };
}

/** The decay epochs of a demo run: `steps`, or one drop before the last epoch. */
export function demoSteps(s: Pick<DemoSettings, 'epochs' | 'steps'>): readonly number[] {
  return s.steps ?? [Math.max(1, s.epochs - 1)];
}

/** Makes (or reuses) the demo set and base checkpoint; returns their paths. */
export async function prepareDemo(
  s: DemoSettings,
  io: Omit<DemoIo, 'onEpoch'>,
): Promise<{ dataDir: string; base: string }> {
  const dataDir = demoDataDir(io.cacheDir, s.data);
  const base = path.join(
    io.cacheDir,
    `base-r${DEMO_BACKBONE.depth}x${DEMO_BACKBONE.width}-${s.pretrainEpochs}ep.safetensors`,
  );
  await mkdir(io.cacheDir, { recursive: true });
  if (!existsSync(path.join(dataDir, 'annotations', 'instances_val.json'))) {
    const started = performance.now();
    io.log(`generating the demo detection set in ${dataDir} ...`);
    generateDetectionSet({ seed: 0, outDir: dataDir, ...s.data });
    io.log(`generated ${s.data.trainImages} + ${s.data.valImages} images in ${seconds(started)} s`);
  }
  if (!s.scratch && !existsSync(base)) await makeBase(s, io, base);
  // Stable names for sweep files (examples/detector-sweep.yaml): the latest demo set and base backbone.
  await relink(path.resolve(dataDir), path.join(io.cacheDir, 'shapes-coco'));
  if (!s.scratch) await relink(path.resolve(base), path.join(io.cacheDir, 'base.safetensors'));
  return { dataDir, base };
}

/** The base backbone: the committed one of this length when there is one, else pretrained here. */
async function makeBase(s: DemoSettings, io: Omit<DemoIo, 'onEpoch'>, base: string): Promise<void> {
  const committed = findCommittedBackbone({ ...DEMO_BACKBONE, epochs: s.pretrainEpochs });
  if (committed) {
    await copyFile(await verifiedBackbonePath(committed), base);
    io.log(
      `using the committed base backbone (${committed.epochs} epochs, top-1 ${committed.top1}; ` +
        `made by: ${committed.command})`,
    );
    return;
  }
  const selected = await selectBackend({}); // as a trial picks it (runPretrain uses the active backend)
  io.log(`pretraining on ${selected.name}: ${selected.device}`);
  io.log(
    `pretraining the base backbone (${s.pretrainEpochs} epochs, base recipe) into ${base} ...`,
  );
  await runPretrain({
    ...DEMO_BACKBONE,
    out: base,
    epochs: s.pretrainEpochs,
    onEpoch: (e, m) => io.log(pretrainProgress(e, s.pretrainEpochs, m)),
    log: io.log,
  });
}

/** One line of pretraining progress: epoch, top-1 and the time left at the pace so far. */
export function pretrainProgress(epoch: number, epochs: number, m: Record<string, number>): string {
  const elapsed = m['elapsed_s'] ?? 0;
  const left = Math.round((elapsed / epoch) * (epochs - epoch));
  const top1 = m['top1'] === undefined ? '' : `, top-1 ${m['top1'].toFixed(3)}`;
  return `pretrain epoch ${epoch}/${epochs}${top1}, ${Math.round(elapsed)} s so far, about ${left} s left`;
}

function seconds(since: number): string {
  return ((performance.now() - since) / 1000).toFixed(1);
}

async function relink(target: string, link: string): Promise<void> {
  await rm(link, { force: true });
  await symlink(target, link);
}

/** Makes (or reuses) the demo set and base checkpoint, then fine-tunes; resolves with the final metrics. */
export async function runDemo(s: DemoSettings, io: DemoIo): Promise<Record<string, number>> {
  const { dataDir, base } = await prepareDemo(s, io);
  const outcome = await runTfjsChild(
    { trial: demoTrial(s, dataDir, base) },
    { onEpoch: io.onEpoch, log: io.log },
  );
  return outcome.metrics;
}

function positive(v: string | undefined, d: number, what: string): number {
  if (v === undefined) return d;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0)
    throw new Error(`--${what} must be a positive number, got ${v}`);
  return n;
}

function count(v: string | undefined, d: number, what: string): number {
  const n = positive(v, d, what);
  if (!Number.isInteger(n)) throw new Error(`--${what} must be a whole number, got ${v}`);
  return n;
}

function stepList(v: string | undefined, epochs: number): readonly number[] | undefined {
  if (v === undefined) return undefined;
  const steps = v.split(',').map((x) => Number(x.trim()));
  if (steps.some((e) => !Number.isInteger(e) || e < 1 || e > epochs)) {
    throw new Error(
      `--steps must list epochs between 1 and ${epochs} after which the lr drops x0.1 (e.g. 6 or 4,6), got ${v}`,
    );
  }
  return steps;
}

/** The command line over {@link DEMO}. */
export function parseDemoArgs(args: string[]): { settings: DemoSettings; cacheDir: string } {
  const { values } = parseArgs({
    args,
    options: {
      epochs: { type: 'string' },
      lr: { type: 'string' },
      'weight-decay': { type: 'string' },
      optimizer: { type: 'string' },
      'batch-size': { type: 'string' },
      scratch: { type: 'boolean' },
      'cache-dir': { type: 'string' },
      steps: { type: 'string' },
      'pretrain-epochs': { type: 'string' },
    },
  });
  const optimizer = values.optimizer ?? DEMO.optimizer;
  if (optimizer !== 'SGD' && optimizer !== 'AdamW')
    throw new Error(`--optimizer must be SGD or AdamW, got ${optimizer}`);
  const epochs = count(values.epochs, DEMO.epochs, 'epochs');
  const steps = stepList(values.steps, epochs);
  const settings: DemoSettings = {
    ...DEMO,
    optimizer,
    epochs,
    ...(steps ? { steps } : {}),
    lr: positive(values.lr, DEMO.lr, 'lr'),
    weightDecay: positive(values['weight-decay'], DEMO.weightDecay, 'weight-decay'),
    batchSize: count(values['batch-size'], DEMO.batchSize, 'batch-size'),
    scratch: values.scratch ?? false,
    pretrainEpochs: count(values['pretrain-epochs'], DEMO.pretrainEpochs, 'pretrain-epochs'),
  };
  return { settings, cacheDir: values['cache-dir'] ?? '.data/demo' };
}

async function main(): Promise<void> {
  if (process.env['INIT_CWD']) process.chdir(process.env['INIT_CWD']); // npm runs scripts in the package dir
  const { settings, cacheDir } = parseDemoArgs(process.argv.slice(2));
  const selected = await selectBackend({});
  process.stderr.write(`demo:train on ${selected.name}: ${selected.device}\n`);
  await runDemo(settings, {
    cacheDir,
    log: (line) => void process.stderr.write(`${line}\n`),
    onEpoch: (epoch, metrics) => void process.stdout.write(`${epochLine(epoch, metrics)}\n`),
  });
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`demo:train: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
