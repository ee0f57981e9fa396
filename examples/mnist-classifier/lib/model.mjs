/**
 * A small MLP (784 -> hidden ReLU -> 10) or, with `hidden = 0`, softmax regression (784 -> 10), in plain
 * Float32Array math. Weights are stored input-major (`w[i * out + j]`, the transpose of PyTorch's `[out, in]`) so
 * the sparse first layer touches contiguous rows. Arithmetic runs in doubles; parameters are stored as float32.
 */
import { INPUT_SIZE, NUM_CLASSES } from './data.mjs';

/**
 * One parameter tensor with its gradient buffer.
 * @typedef {{ name: string, shape: number[], data: Float32Array, grad: Float32Array }} Param
 */
/**
 * @typedef {{ hidden: number, params: Param[] }} Model
 */

/**
 * @param {string} name
 * @param {number[]} shape
 * @returns {Param}
 */
function makeParam(name, shape) {
  const size = shape.reduce((a, b) => a * b, 1);
  return { name, shape, data: new Float32Array(size), grad: new Float32Array(size) };
}

/**
 * Builds a model with zeroed parameters (see `initModel` for PyTorch's default init).
 * @param {number} hidden width of the hidden layer; 0 for softmax regression
 * @returns {Model}
 */
export function createModel(hidden) {
  const dims = hidden > 0 ? [INPUT_SIZE, hidden, NUM_CLASSES] : [INPUT_SIZE, NUM_CLASSES];
  /** @type {Param[]} */
  const params = [];
  for (let l = 0; l + 1 < dims.length; l++) {
    params.push(makeParam(`fc${l + 1}.weight`, [dims[l], dims[l + 1]]));
    params.push(makeParam(`fc${l + 1}.bias`, [dims[l + 1]]));
  }
  return { hidden, params };
}

/**
 * PyTorch's `nn.Linear` default: weights and biases uniform in +-1/sqrt(fan_in).
 * @param {Model} model
 * @param {() => number} rng
 */
export function initModel(model, rng) {
  for (const p of model.params) {
    const fanIn = p.name.endsWith('.weight') ? p.shape[0] : weightOf(model, p).shape[0];
    const bound = 1 / Math.sqrt(fanIn);
    for (let i = 0; i < p.data.length; i++) p.data[i] = (rng() * 2 - 1) * bound;
  }
}

/**
 * @param {Model} model
 * @param {Param} bias
 */
function weightOf(model, bias) {
  const w = model.params.find((q) => q.name === bias.name.replace('.bias', '.weight'));
  if (!w) throw new Error(`no weight for ${bias.name}`);
  return w;
}

/**
 * Per-call scratch buffers, reused across samples so the hot loop allocates nothing.
 * @param {Model} model
 */
export function createScratch(model) {
  const h = Math.max(model.hidden, 1);
  return { z: new Float64Array(h), dz: new Float64Array(h), logits: new Float64Array(NUM_CLASSES) };
}

/**
 * Affine map of a sparse input: out = b + x W.
 * @param {import('./data.mjs').Sample} s
 * @param {Float32Array} w
 * @param {Float32Array} b
 * @param {Float64Array} out
 */
function sparseAffine(s, w, b, out) {
  const n = b.length;
  for (let j = 0; j < n; j++) out[j] = b[j];
  for (let t = 0; t < s.idx.length; t++) {
    const x = s.val[t];
    const row = s.idx[t] * n;
    for (let j = 0; j < n; j++) out[j] += x * w[row + j];
  }
}

/**
 * Forward pass of one sample; leaves ReLU activations in `scratch.z` and logits in `scratch.logits`.
 * @param {Model} model
 * @param {import('./data.mjs').Sample} s
 * @param {ReturnType<typeof createScratch>} scratch
 */
export function forward(model, s, scratch) {
  const [w1, b1, w2, b2] = model.params;
  if (model.hidden === 0) return sparseAffine(s, w1.data, b1.data, scratch.logits);
  const { z, logits } = scratch;
  sparseAffine(s, w1.data, b1.data, z);
  for (let j = 0; j < z.length; j++) if (z[j] < 0) z[j] = 0;
  for (let k = 0; k < NUM_CLASSES; k++) logits[k] = b2.data[k];
  for (let j = 0; j < z.length; j++) {
    const hj = z[j];
    if (hj === 0) continue;
    const row = j * NUM_CLASSES;
    for (let k = 0; k < NUM_CLASSES; k++) logits[k] += hj * w2.data[row + k];
  }
}

/**
 * Cross-entropy of the logits in `scratch` against `label` (log-sum-exp, stable). When `dLogits` is given it
 * receives softmax - onehot, the gradient of that loss with respect to the logits.
 * @param {Float64Array} logits
 * @param {number} label
 * @param {Float64Array} [dLogits]
 * @returns {{ loss: number, predicted: number }}
 */
export function crossEntropy(logits, label, dLogits) {
  let max = -Infinity;
  let predicted = 0;
  for (let k = 0; k < NUM_CLASSES; k++) {
    if (logits[k] > max) (max = logits[k]), (predicted = k);
  }
  let sum = 0;
  for (let k = 0; k < NUM_CLASSES; k++) sum += Math.exp(logits[k] - max);
  const logSum = max + Math.log(sum);
  if (dLogits) {
    for (let k = 0; k < NUM_CLASSES; k++)
      dLogits[k] = Math.exp(logits[k] - logSum) - (k === label ? 1 : 0);
  }
  return { loss: logSum - logits[label], predicted };
}

/**
 * Adds `scale` x the gradient of one sample's loss to every `param.grad`, given the gradient with respect to the
 * logits (from `crossEntropy`) and the activations `forward` left in `scratch`.
 * @param {Model} model
 * @param {import('./data.mjs').Sample} s
 * @param {ReturnType<typeof createScratch>} scratch
 * @param {Float64Array} dLogits
 * @param {number} scale 1 / batch size: the loss is the batch mean, as in PyTorch's CrossEntropyLoss
 */
export function backward(model, s, scratch, dLogits, scale) {
  const [p1, q1, p2, q2] = model.params;
  if (model.hidden === 0) return sparseOuter(s, dLogits, scale, p1.grad, q1.grad);
  const { z, dz } = scratch;
  for (let k = 0; k < NUM_CLASSES; k++) q2.grad[k] += scale * dLogits[k];
  for (let j = 0; j < z.length; j++) {
    const row = j * NUM_CLASSES;
    let back = 0;
    for (let k = 0; k < NUM_CLASSES; k++) {
      p2.grad[row + k] += scale * z[j] * dLogits[k];
      back += p2.data[row + k] * dLogits[k];
    }
    dz[j] = z[j] > 0 ? back : 0;
  }
  sparseOuter(s, dz, scale, p1.grad, q1.grad);
}

/**
 * Gradient of a sparse affine layer: gw += scale * x^T d, gb += scale * d.
 * @param {import('./data.mjs').Sample} s
 * @param {Float64Array} d
 * @param {number} scale
 * @param {Float32Array} gw
 * @param {Float32Array} gb
 */
function sparseOuter(s, d, scale, gw, gb) {
  const n = gb.length;
  for (let j = 0; j < n; j++) gb[j] += scale * d[j];
  for (let t = 0; t < s.idx.length; t++) {
    const x = scale * s.val[t];
    const row = s.idx[t] * n;
    for (let j = 0; j < n; j++) gw[row + j] += x * d[j];
  }
}
