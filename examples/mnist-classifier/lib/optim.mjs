/**
 * Optimizers with PyTorch's semantics (torch.optim.SGD with dampening 0 and nesterov off; torch.optim.AdamW),
 * applied to every parameter, biases included, as PyTorch does with a single parameter group.
 */

/** Optimizer names this script accepts (case-sensitive, as in PyTorch). */
export const OPTIMIZERS = ['SGD', 'AdamW'];

/**
 * @typedef {{ data: Float32Array, grad: Float32Array }} Tensor
 * @typedef {{ lr: number, weightDecay: number, momentum: number, betas?: [number, number], eps?: number }} OptimOptions
 * @typedef {{ step(): void }} Optimizer
 */

/**
 * Builds an optimizer over the given tensors.
 * @param {string} name `SGD` or `AdamW`
 * @param {Tensor[]} tensors
 * @param {OptimOptions} options
 * @returns {Optimizer}
 */
export function createOptimizer(name, tensors, options) {
  if (name === 'SGD') return createSgd(tensors, options);
  if (name === 'AdamW') return createAdamW(tensors, options);
  throw new Error(
    `unknown optimizer ${JSON.stringify(name)}: expected one of ${OPTIMIZERS.join(', ')}`,
  );
}

/**
 * SGD: d = g + wd*p; buf = m*buf + d (buf = d on the first step); p -= lr*buf (p -= lr*d without momentum).
 * @param {Tensor[]} tensors
 * @param {OptimOptions} o
 * @returns {Optimizer}
 */
function createSgd(tensors, { lr, weightDecay, momentum }) {
  const bufs = tensors.map((t) => new Float32Array(t.data.length));
  let first = true;
  return {
    step() {
      tensors.forEach(({ data, grad }, n) => {
        const buf = bufs[n];
        for (let i = 0; i < data.length; i++) {
          const d = grad[i] + weightDecay * data[i];
          if (momentum === 0) data[i] -= lr * d;
          else {
            buf[i] = first ? d : momentum * buf[i] + d;
            data[i] -= lr * buf[i];
          }
        }
      });
      first = false;
    },
  };
}

/**
 * AdamW: p *= 1 - lr*wd; m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2;
 * p -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).
 * @param {Tensor[]} tensors
 * @param {OptimOptions} o
 * @returns {Optimizer}
 */
function createAdamW(tensors, { lr, weightDecay, betas = [0.9, 0.999], eps = 1e-8 }) {
  const [b1, b2] = betas;
  const ms = tensors.map((t) => new Float32Array(t.data.length));
  const vs = tensors.map((t) => new Float32Array(t.data.length));
  let t = 0;
  return {
    step() {
      t += 1;
      const stepSize = lr / (1 - b1 ** t);
      const bc2Sqrt = Math.sqrt(1 - b2 ** t);
      tensors.forEach(({ data, grad }, n) => {
        const m = ms[n];
        const v = vs[n];
        for (let i = 0; i < data.length; i++) {
          const g = grad[i];
          data[i] *= 1 - lr * weightDecay;
          m[i] = b1 * m[i] + (1 - b1) * g;
          v[i] = b2 * v[i] + (1 - b2) * g * g;
          data[i] -= (stepSize * m[i]) / (Math.sqrt(v[i]) / bc2Sqrt + eps);
        }
      });
    },
  };
}
