/**
 * `npm run demo:train [-- --epochs 6 --lr 0.0002 --optimizer AdamW --batch-size 8 --scratch]`: the built-in trainer
 * on its demo, from the repository root. Generates the demo detection set and pretrains a base-recipe backbone
 * when they are not cached in `.data/demo/` yet (progress on stderr), then fine-tunes the demo detector from that
 * backbone and prints one JSON line per epoch on stdout (`elapsed_s` counted from the start of fine-tuning); the
 * last line is the final result.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { generateDetectionSet } from '../data/index.ts';
import { runPretrain } from '../pretrain/pretrain.ts';
import { selectBackend } from '../backend/select-backend.ts';
import { epochLine } from '../trainer/protocol.ts';
import { runTrial } from '../trainer/run-trial.ts';

/** The demo's sizes: small enough for one CPU core, with objects in all three COCO area ranges. */
export const DEMO = { trainImages: 600, valImages: 100, pretrainEpochs: 6, epochs: 6, batchSize: 8, optimizer: 'AdamW', lr: 2e-4, weightDecay: 0.05 } as const;

export interface DemoOptions {
  cacheDir: string;
  epochs: number;
  optimizer: string;
  lr: number;
  weightDecay: number;
  batchSize: number;
  trainImages: number;
  valImages: number;
  pretrainEpochs: number;
  scratch: boolean;
  log: (line: string) => void;
  onEpoch: (epoch: number, metrics: Record<string, number>) => void;
}

/** Makes (or reuses) the demo set and base checkpoint, then fine-tunes; resolves with the final metrics. */
export async function runDemo(o: DemoOptions): Promise<Record<string, number>> {
  const dataDir = path.join(o.cacheDir, `shapes-coco-${o.trainImages}-${o.valImages}`);
  const base = path.join(o.cacheDir, `base-r18x0.25-${o.pretrainEpochs}ep.safetensors`);
  await mkdir(o.cacheDir, { recursive: true });
  if (!existsSync(path.join(dataDir, 'annotations', 'instances_val.json'))) {
    o.log(`generating the demo detection set in ${dataDir} ...`);
    generateDetectionSet({ seed: 0, outDir: dataDir, trainImages: o.trainImages, valImages: o.valImages });
  }
  if (!o.scratch && !existsSync(base)) {
    o.log(`pretraining the base backbone (${o.pretrainEpochs} epochs, base recipe) into ${base} ...`);
    await runPretrain({ out: base, epochs: o.pretrainEpochs, onEpoch: (e, m) => o.log(`pretrain epoch ${e}: ${JSON.stringify(m)}`), log: o.log });
  }
  const params: Record<string, number> = o.optimizer === 'SGD' ? { lr: o.lr, weight_decay: o.weightDecay, momentum: 0.9 } : { lr: o.lr, weight_decay: o.weightDecay };
  const outcome = await runTrial({
    trial: {
      trialId: 'demo', sweepId: 'demo', seed: 0, metricName: 'bbox_mAP', optimizer: o.optimizer, params,
      checkpoint: o.scratch ? { name: 'scratch', uri: 'scratch' } : { name: 'base', uri: path.resolve(base) },
      fixed: { epochs: o.epochs, norm_decay_mult: 0 },
      trainer: { kind: 'tfjs', options: { task: 'detection', data_dir: dataDir, batch_size: o.batchSize } },
    },
  }, { onEpoch: o.onEpoch, log: o.log });
  return outcome.metrics;
}

async function main(): Promise<void> {
  if (process.env['INIT_CWD']) process.chdir(process.env['INIT_CWD']); // npm runs scripts in the package dir
  const { values } = parseArgs({ options: {
    epochs: { type: 'string' }, lr: { type: 'string' }, 'weight-decay': { type: 'string' }, optimizer: { type: 'string' },
    'batch-size': { type: 'string' }, scratch: { type: 'boolean' }, 'cache-dir': { type: 'string' },
  } });
  const num = (v: string | undefined, d: number, what: string) => {
    if (v === undefined) return d;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${what} must be a positive number, got ${v}`);
    return n;
  };
  const selected = await selectBackend({});
  process.stderr.write(`demo:train on ${selected.name}: ${selected.device}\n`);
  await runDemo({
    cacheDir: values['cache-dir'] ?? '.data/demo', epochs: num(values.epochs, DEMO.epochs, 'epochs'), lr: num(values.lr, DEMO.lr, 'lr'),
    weightDecay: num(values['weight-decay'], DEMO.weightDecay, 'weight-decay'), optimizer: values.optimizer ?? DEMO.optimizer,
    batchSize: num(values['batch-size'], DEMO.batchSize, 'batch-size'), trainImages: DEMO.trainImages, valImages: DEMO.valImages,
    pretrainEpochs: DEMO.pretrainEpochs, scratch: values.scratch ?? false,
    log: (line) => void process.stderr.write(`${line}\n`),
    onEpoch: (epoch, metrics) => void process.stdout.write(`${epochLine(epoch, metrics)}\n`),
  });
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  main().then(() => process.exit(0), (err: unknown) => {
    process.stderr.write(`demo:train: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
