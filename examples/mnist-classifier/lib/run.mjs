/**
 * The training run shared by `train.mjs` and `pretrain.mjs`: builds or loads the model, trains, prints one JSON
 * line per epoch on stdout, and optionally saves the weights.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  loadCheckpoint,
  resolveCheckpointPath,
  saveCheckpoint,
  UsageError,
} from './checkpoint.mjs';
import { createModel, initModel } from './model.mjs';
import { createOptimizer } from './optim.mjs';
import { createRng } from './rng.mjs';
import { evaluate, trainEpoch } from './loop.mjs';

/** Default hidden width when neither `--hidden` nor a checkpoint says otherwise. */
export const DEFAULT_HIDDEN = 64;

/**
 * The training loss became non-finite or exceeded `--max-loss` (a ReLU MLP with a huge lr usually explodes to
 * 1e30 or collapses rather than reaching NaN): exit code 3.
 */
export class DivergedError extends Error {}

/**
 * Builds the model: PyTorch-style random init from the seed, then the tensors `--checkpoint` holds, if any.
 * @param {import('./args.mjs').Options} o
 * @param {(line: string) => void} log
 */
export function buildModel(o, log) {
  const init = (/** @type {number} */ hidden) => {
    const model = createModel(hidden);
    initModel(model, createRng(o.seed));
    return model;
  };
  const path = resolveCheckpointPath(o.checkpoint);
  if (path === null) return init(o.hidden ?? DEFAULT_HIDDEN);
  const { model, loaded } = loadCheckpoint(/** @type {string} */ (o.checkpoint), path, init);
  if (o.hidden !== undefined && o.hidden !== model.hidden) {
    throw new UsageError(
      `--hidden ${o.hidden} does not match checkpoint ${o.checkpoint} (hidden ${model.hidden})`,
    );
  }
  const fresh = model.params.filter((p) => !loaded.includes(p.name)).map((p) => p.name);
  log(
    `loaded ${loaded.join(', ')} from ${o.checkpoint}${fresh.length ? `; ${fresh.join(', ')} initialised fresh` : ''}`,
  );
  return model;
}

/**
 * Trains `model` on `data.train` for `o.epochs` epochs, printing one line per epoch. The shuffling stream is
 * seeded apart from the init stream so scratch and pretrained runs with one seed see the same batches.
 * @param {import('./args.mjs').Options} o
 * @param {import('./model.mjs').Model} model
 * @param {{ train: import('./data.mjs').Sample[], val: import('./data.mjs').Sample[] }} data
 * @param {(line: string) => void} print writes one stdout line
 */
export async function train(o, model, data, print) {
  const optimizer = createOptimizer(o.optimizer, model.params, {
    lr: o.lr,
    weightDecay: o.weightDecay,
    momentum: o.momentum,
  });
  const shuffleRng = createRng((o.seed ^ 0x9e3779b9) >>> 0);
  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    const loss = trainEpoch(model, optimizer, data.train, o.batchSize, shuffleRng);
    const val = evaluate(model, data.val);
    if (!Number.isFinite(loss) || loss > o.maxLoss || !Number.isFinite(val.loss)) {
      print(JSON.stringify({ epoch, diverged: true }));
      throw new DivergedError(`loss diverged at epoch ${epoch} (lr too high?)`);
    }
    print(
      JSON.stringify({ epoch, loss, val_loss: val.loss, val_accuracy: val.accuracy, lr: o.lr }),
    );
    // Yield every epoch so a SIGTERM handler runs promptly even without a delay.
    await (o.epochDelayMs > 0 ? sleep(o.epochDelayMs) : new Promise((r) => setImmediate(r)));
  }
}

/**
 * Writes the weights to `o.save` (all tensors, or those `keep` selects) with how they were trained.
 * @param {import('./args.mjs').Options} o
 * @param {import('./model.mjs').Model} model
 * @param {(name: string) => boolean} [keep]
 */
export function saveModel(o, model, keep) {
  if (!o.save) return;
  const meta = {
    optimizer: o.optimizer,
    lr: o.lr,
    epochs: o.epochs,
    seed: o.seed,
    classes: [...o.classes],
  };
  saveCheckpoint(o.save, model, meta, keep);
}
