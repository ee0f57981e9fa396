/**
 * Command-line flags shared by `train.mjs` and `pretrain.mjs`.
 */
import { parseArgs } from 'node:util';
import { UsageError } from './checkpoint.mjs';
import { OPTIMIZERS } from './optim.mjs';

/**
 * Parsed flags. Defaults are those of `train.mjs`; `pretrain.mjs` passes its own.
 * @typedef {{
 *   optimizer: string, lr: number, weightDecay: number, momentum: number, checkpoint: string | undefined,
 *   seed: number, epochs: number, batchSize: number, hidden: number | undefined, trainSize: number,
 *   valSize: number, epochDelayMs: number, save: string | undefined, classes: Set<number>, maxLoss: number
 * }} Options
 */

/** Flag name -> [option key, kind]; every flag takes a value. */
const FLAGS = {
  optimizer: ['optimizer', 'string'],
  lr: ['lr', 'number'],
  'weight-decay': ['weightDecay', 'number'],
  momentum: ['momentum', 'number'],
  checkpoint: ['checkpoint', 'string'],
  seed: ['seed', 'int'],
  epochs: ['epochs', 'int'],
  'batch-size': ['batchSize', 'int'],
  hidden: ['hidden', 'int'],
  'train-size': ['trainSize', 'int'],
  'val-size': ['valSize', 'int'],
  'epoch-delay-ms': ['epochDelayMs', 'int'],
  save: ['save', 'string'],
  classes: ['classes', 'classes'],
  'max-loss': ['maxLoss', 'number'],
};

/**
 * Parses argv (without `node script`) over the given defaults; throws UsageError on a bad flag or value.
 * @param {string[]} argv
 * @param {Options} defaults
 * @returns {Options}
 */
export function parseOptions(argv, defaults) {
  const config = Object.fromEntries(
    Object.keys(FLAGS).map((f) => [f, { type: /** @type {const} */ ('string') }]),
  );
  let values;
  try {
    values = parseArgs({
      args: argv,
      options: config,
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    throw new UsageError(/** @type {Error} */ (err).message);
  }
  /** @type {Record<string, unknown>} */
  const options = { ...defaults };
  for (const [flag, raw] of Object.entries(values)) {
    const [key, kind] = FLAGS[/** @type {keyof typeof FLAGS} */ (flag)];
    options[key] = convert(flag, kind, /** @type {string} */ (raw));
  }
  const result = /** @type {Options} */ (options);
  validate(result);
  return result;
}

/**
 * @param {string} flag
 * @param {string} kind
 * @param {string} raw
 */
function convert(flag, kind, raw) {
  if (kind === 'string') return raw;
  if (kind === 'classes') return parseClasses(raw);
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || (kind === 'int' && !Number.isInteger(n))) {
    throw new UsageError(
      `--${flag} expects ${kind === 'int' ? 'an integer' : 'a number'}, got ${JSON.stringify(raw)}`,
    );
  }
  return n;
}

/**
 * `0-4`, `0,2,4` or a mix, e.g. `0-2,7`.
 * @param {string} raw
 * @returns {Set<number>}
 */
function parseClasses(raw) {
  const classes = new Set();
  for (const part of raw.split(',')) {
    const m = /^(\d)(?:-(\d))?$/.exec(part.trim());
    if (!m)
      throw new UsageError(
        `--classes expects digits like 0-4 or 0,2,4, got ${JSON.stringify(raw)}`,
      );
    for (let c = Number(m[1]); c <= Number(m[2] ?? m[1]); c++) classes.add(c);
  }
  return classes;
}

/**
 * @param {Options} o
 */
function validate(o) {
  if (!OPTIMIZERS.includes(o.optimizer)) {
    throw new UsageError(
      `unknown optimizer ${JSON.stringify(o.optimizer)}: expected one of ${OPTIMIZERS.join(', ')}`,
    );
  }
  const positive = {
    lr: o.lr,
    epochs: o.epochs,
    'batch-size': o.batchSize,
    'train-size': o.trainSize,
    'val-size': o.valSize,
    'max-loss': o.maxLoss,
  };
  for (const [flag, v] of Object.entries(positive)) {
    if (!(v > 0)) throw new UsageError(`--${flag} must be positive, got ${v}`);
  }
  const nonNegative = { 'weight-decay': o.weightDecay, momentum: o.momentum };
  for (const [flag, v] of Object.entries(nonNegative)) {
    if (!(v >= 0)) throw new UsageError(`--${flag} must be >= 0, got ${v}`);
  }
  if (o.hidden !== undefined && o.hidden < 0)
    throw new UsageError(`--hidden must be >= 0, got ${o.hidden}`);
  if (o.epochDelayMs < 0)
    throw new UsageError(`--epoch-delay-ms must be >= 0, got ${o.epochDelayMs}`);
}
