import * as tf from '@tensorflow/tfjs-core';
import { batchNormInference, batchNormTrain } from '../src/backend/wasm-kernels/batch-norm.ts';

/**
 * The reference small ResNet of the trainer benchmark, written with tfjs-core ops so that it runs on
 * any backend: stem 3x3/16 stride 2, four stages of two BasicBlocks (16/32/64/128 channels, stride 2
 * from the second stage, 1x1 projection shortcuts), global average pool, linear head. The same net
 * as bench/ref_resnet_torch.py.
 */
export interface RefResNet {
  /** Trainable variables (convolution and head weights, batch-norm gammas and betas). */
  variables: tf.Variable[];
  /** Logits [N, classes] for NHWC images; `training` uses batch statistics and updates running ones. */
  apply(images: tf.Tensor4D, training: boolean): tf.Tensor2D;
  /** Forward multiply-adds x 2 for one image of `size` x `size` (convolutions and the head). */
  forwardFlopsPerImage(size: number): number;
}

interface ConvBn {
  weight: tf.Variable;
  gamma: tf.Variable;
  beta: tf.Variable;
  runningMean: tf.Variable;
  runningVar: tf.Variable;
  stride: number;
}

interface Block {
  conv1: ConvBn;
  conv2: ConvBn;
  shortcut?: ConvBn;
}

const momentum = 0.1;

function makeConvBn(kernel: number, inC: number, outC: number, stride: number): ConvBn {
  const std = Math.sqrt(2 / (kernel * kernel * inC));
  return {
    weight: tf.variable(tf.randomNormal([kernel, kernel, inC, outC], 0, std)),
    gamma: tf.variable(tf.ones([outC])),
    beta: tf.variable(tf.zeros([outC])),
    runningMean: tf.variable(tf.zeros([outC]), false),
    runningVar: tf.variable(tf.ones([outC]), false),
    stride,
  };
}

function applyConvBn(layer: ConvBn, x: tf.Tensor4D, training: boolean): tf.Tensor4D {
  const pad = layer.weight.shape[0] === 1 ? 'valid' : 'same';
  const y = tf.conv2d(x, layer.weight as tf.Tensor4D, layer.stride, pad);
  if (!training) {
    return batchNormInference(
      y,
      layer.runningMean as tf.Tensor1D,
      layer.runningVar as tf.Tensor1D,
      layer.gamma as tf.Tensor1D,
      layer.beta as tf.Tensor1D,
    );
  }
  const {
    y: out,
    mean,
    variance,
  } = batchNormTrain(y, layer.gamma as tf.Tensor1D, layer.beta as tf.Tensor1D);
  const count = y.size / y.shape[3];
  tf.tidy(() => {
    layer.runningMean.assign(
      tf.add(tf.mul(layer.runningMean, 1 - momentum), tf.mul(mean, momentum)),
    );
    const unbiased = tf.mul(variance, count / Math.max(1, count - 1));
    layer.runningVar.assign(
      tf.add(tf.mul(layer.runningVar, 1 - momentum), tf.mul(unbiased, momentum)),
    );
  });
  return out;
}

function applyBlock(block: Block, x: tf.Tensor4D, training: boolean): tf.Tensor4D {
  const h = tf.relu(applyConvBn(block.conv1, x, training));
  const y = applyConvBn(block.conv2, h, training);
  const skip = block.shortcut === undefined ? x : applyConvBn(block.shortcut, x, training);
  return tf.relu(tf.add(y, skip)) as tf.Tensor4D;
}

/** Multiply-adds x 2 of one convolution for one image, given its output's spatial size. */
function convFlops(layer: ConvBn, outHw: number): number {
  const [kh, kw, ci, co] = layer.weight.shape as [number, number, number, number];
  return 2 * outHw * outHw * co * kh * kw * ci;
}

/** Output size of a 'same' convolution with `stride`. */
const down = (size: number, stride: number): number => Math.ceil(size / stride);

/** Builds the reference ResNet with freshly initialised weights. */
export function buildRefResNet(
  classes = 10,
  widths: readonly number[] = [16, 32, 64, 128],
): RefResNet {
  const stem = makeConvBn(3, 3, widths[0]!, 2);
  const blocks: Block[] = [];
  let inC = widths[0]!;
  widths.forEach((width, stage) => {
    for (let i = 0; i < 2; i++) {
      const stride = stage > 0 && i === 0 ? 2 : 1;
      const shortcut =
        stride !== 1 || inC !== width ? makeConvBn(1, inC, width, stride) : undefined;
      blocks.push({
        conv1: makeConvBn(3, inC, width, stride),
        conv2: makeConvBn(3, width, width, 1),
        ...(shortcut ? { shortcut } : {}),
      });
      inC = width;
    }
  });
  const headW = tf.variable(tf.randomNormal([inC, classes], 0, Math.sqrt(1 / inC)));
  const headB = tf.variable(tf.zeros([classes]));
  const layers = [
    stem,
    ...blocks.flatMap((b) => [b.conv1, b.conv2, ...(b.shortcut ? [b.shortcut] : [])]),
  ];
  return {
    variables: [...layers.flatMap((l) => [l.weight, l.gamma, l.beta]), headW, headB],
    apply(images, training) {
      let x: tf.Tensor4D = tf.relu(applyConvBn(stem, images, training));
      for (const block of blocks) x = applyBlock(block, x, training);
      const pooled = tf.mean(x, [1, 2]) as tf.Tensor2D;
      return tf.add(tf.matMul(pooled, headW as tf.Tensor2D), headB);
    },
    forwardFlopsPerImage(size) {
      let hw = down(size, stem.stride);
      let flops = convFlops(stem, hw);
      for (const block of blocks) {
        hw = down(hw, block.conv1.stride);
        flops += convFlops(block.conv1, hw) + convFlops(block.conv2, hw);
        if (block.shortcut) flops += convFlops(block.shortcut, hw);
      }
      return flops + 2 * inC * classes;
    },
  };
}
