/**
 * One training epoch (shuffled mini-batches, mean cross-entropy, one optimizer step per batch) and evaluation.
 */
import { NUM_CLASSES } from './data.mjs';
import { backward, createScratch, crossEntropy, forward } from './model.mjs';
import { shuffleInPlace } from './rng.mjs';

/**
 * Trains one epoch. Returns the mean training loss, or NaN as soon as a batch's loss is not finite (the caller
 * reports divergence; there is no point finishing the epoch on NaN weights).
 * @param {import('./model.mjs').Model} model
 * @param {import('./optim.mjs').Optimizer} optimizer
 * @param {import('./data.mjs').Sample[]} train
 * @param {number} batchSize
 * @param {() => number} rng
 * @returns {number}
 */
export function trainEpoch(model, optimizer, train, batchSize, rng) {
  const order = shuffleInPlace(train.slice(), rng);
  const scratch = createScratch(model);
  const dLogits = new Float64Array(NUM_CLASSES);
  let total = 0;
  for (let start = 0; start < order.length; start += batchSize) {
    const batch = order.slice(start, start + batchSize);
    for (const p of model.params) p.grad.fill(0);
    let batchLoss = 0;
    for (const s of batch) {
      forward(model, s, scratch);
      batchLoss += crossEntropy(scratch.logits, s.label, dLogits).loss;
      backward(model, s, scratch, dLogits, 1 / batch.length);
    }
    if (!Number.isFinite(batchLoss)) return NaN;
    total += batchLoss;
    optimizer.step();
  }
  return total / order.length;
}

/**
 * Mean loss and accuracy on a set, without touching gradients.
 * @param {import('./model.mjs').Model} model
 * @param {import('./data.mjs').Sample[]} samples
 * @returns {{ loss: number, accuracy: number }}
 */
export function evaluate(model, samples) {
  const scratch = createScratch(model);
  let loss = 0;
  let correct = 0;
  for (const s of samples) {
    forward(model, s, scratch);
    const r = crossEntropy(scratch.logits, s.label);
    loss += r.loss;
    if (r.predicted === s.label) correct++;
  }
  return { loss: loss / samples.length, accuracy: correct / samples.length };
}
