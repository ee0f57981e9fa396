import * as tf from '@tensorflow/tfjs-core';
import { getKernel } from '@tensorflow/tfjs-core';
import type { Tensor, Tensor1D } from '@tensorflow/tfjs-core';
import { BatchNormGradKernel, BatchNormTrainKernel } from './batch-norm-kernels.ts';
import { ChannelAffineGradKernel, ChannelAffineKernel } from './channel-affine-kernels.ts';

/** What `batchNormTrain` returns: the normalised output and the batch statistics it used. */
export interface BatchNormTrainResult<T extends Tensor = Tensor> {
  /** (x - mean) / sqrt(variance + epsilon) * gamma + beta, same shape as x. */
  y: T;
  /** Per-channel batch mean, [C]. Not on the gradient path: use it for running averages. */
  mean: Tensor1D;
  /**
   * Per-channel biased batch variance (divided by the number of values per channel), [C], the one used
   * to normalise. For a PyTorch-style running variance multiply by count / (count - 1).
   */
  variance: Tensor1D;
}

/** Per-channel sums of a [rows, C] matrix as [1, C]: a ones-vector matMul, fast on every backend. */
function channelSums(x2: Tensor, ones: Tensor): Tensor {
  return tf.matMul(ones as tf.Tensor2D, x2 as tf.Tensor2D);
}

type Forward = (
  x: Tensor,
  gamma: Tensor,
  beta: Tensor,
  epsilon: number,
  save: tf.GradSaveFunc,
) => {
  value: Tensor;
  stats: [Tensor, Tensor];
  gradFunc: (dy: Tensor, saved: Tensor[]) => Tensor[];
};

/** Forward and backward with the fused kernels of the active backend (wasm: batch-norm-kernels.ts). */
const fusedForward: Forward = (x, gamma, beta, epsilon, save) => {
  const [y, mean, variance, rstd, centred] = tf
    .engine()
    .runKernel(BatchNormTrainKernel, { x, gamma, beta }, { epsilon }) as Tensor[];
  save([centred!, rstd!, gamma]);
  return {
    value: y!,
    stats: [mean!, variance!],
    gradFunc: (dy, saved) => {
      const [c, r, g] = saved as [Tensor, Tensor, Tensor];
      return tf
        .engine()
        .runKernel(BatchNormGradKernel, { dy, centred: c, rstd: r, gamma: g }, {}) as Tensor[];
    },
  };
};

/** Forward and backward with broadcasting ops and ones-vector matMuls: any backend. */
const opsForward: Forward = (x, gamma, beta, epsilon, save) => {
  const channels = x.shape[x.rank - 1]!;
  const count = x.size / channels;
  const ones = tf.ones([1, count]);
  const x2 = tf.reshape(x, [count, channels]);
  const mean = tf.div(channelSums(x2, ones), count);
  const centred = tf.sub(x2, mean);
  const variance = tf.div(channelSums(tf.square(centred), ones), count);
  const rstd = tf.rsqrt(tf.add(variance, epsilon));
  const y = tf.add(tf.mul(centred, tf.mul(rstd, gamma)), beta);
  save([centred, rstd, gamma]);
  return {
    value: tf.reshape(y, x.shape),
    stats: [tf.reshape(mean, [channels]), tf.reshape(variance, [channels])],
    gradFunc: (dy, saved) => backward(dy, saved, count, channels),
  };
};

/**
 * Training-mode batch normalisation over every axis but the last (NHWC, or [N, C]), with the
 * analytic gradient: dx = g*r*(dy - mean(dy)) - (x - mean) * g*r^3*mean(dy*(x - mean)).
 * On wasm it runs two fused kernels (batch-norm-kernels.ts). Elsewhere it uses broadcasting ops and ones-vector matMuls: tf.batchNorm's gradient
 * (Tile, and reductions that transpose) is slow, and the custom gradient saves the autodiff ops
 * through mean and variance.
 * @param epsilon added to the variance; default 1e-5 (PyTorch's).
 */
export function batchNormTrain<T extends Tensor>(
  x: T,
  gamma: Tensor1D,
  beta: Tensor1D,
  epsilon = 1e-5,
): BatchNormTrainResult<T> {
  const forward =
    getKernel(BatchNormTrainKernel, tf.getBackend()) !== undefined && x.dtype === 'float32'
      ? fusedForward
      : opsForward;
  let stats: Tensor[] = [];
  const normalise = tf.customGrad((...args: Array<Tensor | tf.GradSaveFunc>) => {
    const [xIn, gammaIn, betaIn, save] = args as [Tensor, Tensor, Tensor, tf.GradSaveFunc];
    const { value, stats: batchStats, gradFunc } = forward(xIn, gammaIn, betaIn, epsilon, save);
    stats = batchStats.map((t) => tf.keep(t));
    return { value, gradFunc };
  });
  const y = normalise(x, gamma, beta) as T;
  const [mean, variance] = stats as [Tensor1D, Tensor1D];
  // Re-home the statistics in the caller's scope so its tidy() owns them.
  const result = { y, mean: tf.clone(mean), variance: tf.clone(variance) };
  mean.dispose();
  variance.dispose();
  return result;
}

/** Gradients of batchNormTrain for x, gamma and beta, from the saved centred input, 1/std and gamma. */
function backward(dy: Tensor, saved: Tensor[], count: number, channels: number): Tensor[] {
  const [centred, rstd, gamma] = saved as [Tensor, Tensor, Tensor];
  return tf.tidy(() => {
    const ones = tf.ones([1, count]);
    const dy2 = tf.reshape(dy, [count, channels]);
    const dBeta = channelSums(dy2, ones);
    const dGamma = tf.mul(channelSums(tf.mul(dy2, centred), ones), rstd);
    const scale = tf.mul(rstd, gamma);
    const centredCoef = tf.div(tf.mul(tf.mul(scale, rstd), dGamma), -count);
    const shift = tf.div(tf.mul(scale, dBeta), -count);
    const dx = tf.add(tf.add(tf.mul(dy2, scale), tf.mul(centred, centredCoef)), shift);
    return [
      tf.reshape(dx, dy.shape),
      tf.reshape(dGamma, [channels]),
      tf.reshape(dBeta, [channels]),
    ];
  });
}

/** x * scale + shift per channel, with the fused wasm kernels where registered. */
function channelAffine(x: Tensor, scale: Tensor, shift: Tensor): Tensor {
  if (getKernel(ChannelAffineKernel, tf.getBackend()) === undefined || x.dtype !== 'float32') {
    return tf.add(tf.mul(x, scale), shift);
  }
  const affine = tf.customGrad((...args: Array<Tensor | tf.GradSaveFunc>) => {
    const [xIn, scaleIn, shiftIn, save] = args as [Tensor, Tensor, Tensor, tf.GradSaveFunc];
    save([xIn, scaleIn]);
    return {
      value: tf
        .engine()
        .runKernel(ChannelAffineKernel, { x: xIn, scale: scaleIn, shift: shiftIn }, {}) as Tensor,
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [xs, scales] = saved as [Tensor, Tensor];
        return tf
          .engine()
          .runKernel(ChannelAffineGradKernel, { dy, x: xs, scale: scales }, {}) as Tensor[];
      },
    };
  });
  return affine(x, scale, shift);
}

/**
 * Inference-mode batch normalisation with given statistics (running averages or frozen weights):
 * x * (gamma / sqrt(variance + epsilon)) + (beta - mean * that scale), differentiable in all inputs.
 * On wasm the per-channel multiply-add is one fused kernel (channel-affine-kernels.ts); elsewhere two
 * broadcasting ops. All parameters are [C], broadcast over x's last axis.
 * @param epsilon added to the variance; default 1e-5.
 */
export function batchNormInference<T extends Tensor>(
  x: T,
  mean: Tensor1D,
  variance: Tensor1D,
  gamma: Tensor1D,
  beta: Tensor1D,
  epsilon = 1e-5,
): T {
  return tf.tidy(() => {
    const scale = tf.mul(gamma, tf.rsqrt(tf.add(variance, epsilon)));
    const shift = tf.sub(beta, tf.mul(mean, scale));
    return channelAffine(x, scale, shift) as T;
  });
}
