/**
 * MMDetection's `RPNHead`: one 3x3 conv + ReLU shared by every FPN level, then a 1x1 conv giving one sigmoid
 * objectness logit per anchor (`rpn_cls`) and a 1x1 conv giving 4 deltas per anchor (`rpn_reg`). Keys
 * `rpn_conv.*`, `rpn_cls.*`, `rpn_reg.*` as in mmdet (prefix `rpn_head.` in the detector).
 */
import * as tf from '@tensorflow/tfjs-core';

import type { ParamStore } from '../model/params.ts';
import { addHeadConv, runHeadConv } from './head-params.ts';

/** RPN head settings. */
export interface RpnHeadConfig {
  inChannels: number;
  featChannels: number;
  /** Anchors per location (ratios x scales). */
  numAnchors: number;
  seed: number;
}

/** The head's outputs over all levels, flattened in anchor order (level, row, column, anchor). */
export interface RpnOutput {
  /** `[n, T]` objectness logits. */
  cls: tf.Tensor2D;
  /** `[n, T, 4]` deltas. */
  reg: tf.Tensor3D;
  /** `[h, w]` of each level. */
  sizes: Array<[number, number]>;
}

/** A built RPN head. */
export interface RpnHead {
  readonly params: ParamStore;
  forward(levels: readonly tf.Tensor4D[]): RpnOutput;
}

/** Builds an RPN head (Normal(0, 0.01) weights, zero biases). */
export function createRpnHead(config: RpnHeadConfig): RpnHead {
  const store: ParamStore = new Map();
  const { inChannels, featChannels, numAnchors: a, seed } = config;
  const init = { kind: 'normal', std: 0.01 } as const;
  addHeadConv(store, 'rpn_conv', [inChannels, featChannels, 3], init, seed);
  addHeadConv(store, 'rpn_cls', [featChannels, a, 1], init, seed);
  addHeadConv(store, 'rpn_reg', [featChannels, a * 4, 1], init, seed);
  const forward = (levels: readonly tf.Tensor4D[]): RpnOutput => {
    const cls: tf.Tensor[] = [];
    const reg: tf.Tensor[] = [];
    const sizes: Array<[number, number]> = [];
    for (const x of levels) {
      const [n, h, w] = x.shape;
      const t = tf.relu(runHeadConv(store, 'rpn_conv', x));
      cls.push(tf.reshape(runHeadConv(store, 'rpn_cls', t), [n, h * w * a]));
      reg.push(tf.reshape(runHeadConv(store, 'rpn_reg', t), [n, h * w * a, 4]));
      sizes.push([h, w]);
    }
    return { cls: tf.concat(cls, 1) as tf.Tensor2D, reg: tf.concat(reg, 1) as tf.Tensor3D, sizes };
  };
  return { params: store, forward };
}
