import * as tf from '@tensorflow/tfjs-core';

import { addLinear, applyLinear, type BuildContext } from './layers.ts';
import type { ParamStore } from './params.ts';

/** Global average pooling then `fc` (torchvision's classifier; keys `fc.weight`, `fc.bias`). */
export interface ClassificationHead {
  readonly params: ParamStore;
  /** Logits [N, numClasses] from C5 [N, H, W, C]. */
  forward(c5: tf.Tensor4D): tf.Tensor2D;
}

/** Options of {@link createClassificationHead}. */
export interface ClassificationHeadConfig {
  inChannels: number;
  numClasses: number;
  /** Initialisation seed. Default 0. */
  seed?: number;
}

/** Builds the classification head of the `pretrain` job, initialised as torch's `nn.Linear`. */
export function createClassificationHead(config: ClassificationHeadConfig): ClassificationHead {
  const store: ParamStore = new Map();
  const ctx: BuildContext = { store, seed: config.seed ?? 0, trainable: true };
  addLinear(ctx, 'fc', config.inChannels, config.numClasses);
  return {
    params: store,
    forward: (c5) => applyLinear(store, 'fc', tf.mean(c5, [1, 2]) as tf.Tensor2D),
  };
}
