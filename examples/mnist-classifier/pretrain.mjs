#!/usr/bin/env node
/**
 * Writes the demo's "pretrained" checkpoint: trains the same MLP on a sample disjoint from train.mjs's split and,
 * by default, on digits 0-4 only (a different label set, like a backbone pretrained on another task), then saves
 * the weights for `train.mjs --checkpoint`:
 *   node examples/mnist-classifier/pretrain.mjs --save .data/mnist-pretrained.json
 */
import { parseOptions } from './lib/args.mjs';
import { logLine, printLine, runCli } from './lib/cli.mjs';
import { UsageError } from './lib/checkpoint.mjs';
import { loadAllDigits, pretrainSample, splitTrainVal } from './lib/data.mjs';
import { buildModel, saveModel, train } from './lib/run.mjs';

const NAME = 'pretrain.mjs';

/** Defaults of every flag (`--train-size` is the size of the pretraining sample). */
const DEFAULTS = {
  optimizer: 'AdamW',
  lr: 0.001,
  weightDecay: 0,
  momentum: 0.9,
  checkpoint: undefined,
  seed: 1,
  epochs: 5,
  batchSize: 32,
  hidden: undefined,
  trainSize: 4000,
  valSize: 1000,
  epochDelayMs: 0,
  save: undefined,
  maxLoss: 50,
  classes: new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
};

await runCli(NAME, async () => {
  const o = parseOptions(process.argv.slice(2), DEFAULTS);
  if (!o.save) throw new UsageError('pretrain.mjs needs --save <path>');
  const model = buildModel(o, (line) => logLine(NAME, line));
  if (model.hidden === 0) throw new UsageError('pretrain.mjs needs a hidden layer (--hidden > 0)');
  const all = loadAllDigits();
  const train_ = pretrainSample(all, o.trainSize, o.classes);
  const val = splitTrainVal(all, 0, o.valSize).val.filter((s) => o.classes.has(s.label));
  logLine(
    NAME,
    `${train_.length} digits of classes ${[...o.classes].join(',')}, ${o.epochs} epochs`,
  );
  await train(o, model, { train: train_, val }, printLine);
  // Only the hidden layer: the head learnt another label set, so train.mjs starts its head fresh.
  saveModel(o, model, (name) => name.startsWith('fc1.'));
  logLine(NAME, `saved ${o.save}`);
});
