#!/usr/bin/env node
/**
 * Trains a small MLP on real MNIST digits and prints one JSON line per epoch on stdout, e.g.
 *   node examples/mnist-classifier/train.mjs --optimizer AdamW --lr 0.001 --weight-decay 0.05 --seed 0 --epochs 3
 * See README.md for the flags, the output and the exit codes.
 */
import { parseOptions } from './lib/args.mjs';
import { logLine, printLine, runCli } from './lib/cli.mjs';
import { loadAllDigits, splitTrainVal } from './lib/data.mjs';
import { buildModel, saveModel, train } from './lib/run.mjs';

const NAME = 'train.mjs';

/** Defaults of every flag. */
const DEFAULTS = {
  optimizer: 'AdamW',
  lr: 0.001,
  weightDecay: 0,
  momentum: 0.9,
  checkpoint: undefined,
  seed: 0,
  epochs: 3,
  batchSize: 32,
  hidden: undefined,
  trainSize: 2000,
  valSize: 1000,
  epochDelayMs: 0,
  save: undefined,
  maxLoss: 50,
  classes: new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
};

await runCli(NAME, async () => {
  const started = performance.now();
  const o = parseOptions(process.argv.slice(2), DEFAULTS);
  const model = buildModel(o, (line) => logLine(NAME, line));
  const data = splitTrainVal(loadAllDigits(), o.trainSize, o.valSize);
  const from = o.checkpoint && o.checkpoint !== 'scratch' ? o.checkpoint : 'scratch';
  logLine(
    NAME,
    `${o.optimizer} lr=${o.lr} wd=${o.weightDecay} seed=${o.seed} hidden=${model.hidden} from ${from}`,
  );
  await train(o, model, data, printLine);
  saveModel(o, model);
  logLine(NAME, `done in ${((performance.now() - started) / 1000).toFixed(2)} s`);
});
