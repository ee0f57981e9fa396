/**
 * MMDetection's `Shared2FCBBoxHead`: RoI features flattened in torch's (C, H, W) order, two shared fully
 * connected layers with ReLU (`shared_fcs.0`, `shared_fcs.1`), then `fc_cls` (num_classes + 1 logits, the last
 * one background, softmax) and a class-specific `fc_reg` (4 deltas per class). Keys as mmdet's under
 * `roi_head.bbox_head.`.
 */
import * as tf from '@tensorflow/tfjs-core';

import type { ParamStore } from '../model/params.ts';
import { addHeadLinear, runHeadLinear } from './head-params.ts';

/** Box head settings. */
export interface BBoxHeadConfig {
  inChannels: number;
  /** RoI feature side (7). */
  roiSize: number;
  fcChannels: number;
  numClasses: number;
  seed: number;
}

/** Outputs for R RoIs. */
export interface BBoxHeadOutput {
  /** `[R, numClasses + 1]` logits, background last. */
  cls: tf.Tensor2D;
  /** `[R, 4 * numClasses]` deltas (RCNN coder), class j at columns 4j..4j+3. */
  reg: tf.Tensor2D;
}

/** A built box head. */
export interface BBoxHead {
  readonly params: ParamStore;
  /** Runs on pooled RoI features `[R, P, P, C]`. */
  forward(pooled: tf.Tensor4D): BBoxHeadOutput;
}

/** Builds the box head (Xavier-uniform shared fcs, Normal(0, 0.01) fc_cls, Normal(0, 0.001) fc_reg, zero biases). */
export function createBBoxHead(config: BBoxHeadConfig): BBoxHead {
  const store: ParamStore = new Map();
  const { inChannels, roiSize, fcChannels: fc, numClasses, seed } = config;
  const flat = inChannels * roiSize * roiSize;
  addHeadLinear(store, 'shared_fcs.0', [flat, fc], { kind: 'xavier' }, seed);
  addHeadLinear(store, 'shared_fcs.1', [fc, fc], { kind: 'xavier' }, seed);
  addHeadLinear(store, 'fc_cls', [fc, numClasses + 1], { kind: 'normal', std: 0.01 }, seed);
  addHeadLinear(store, 'fc_reg', [fc, 4 * numClasses], { kind: 'normal', std: 0.001 }, seed);
  const forward = (pooled: tf.Tensor4D): BBoxHeadOutput => {
    const r = pooled.shape[0];
    const x = tf.reshape(tf.transpose(pooled, [0, 3, 1, 2]), [r, flat]) as tf.Tensor2D;
    const h = tf.relu(
      runHeadLinear(store, 'shared_fcs.1', tf.relu(runHeadLinear(store, 'shared_fcs.0', x))),
    );
    return { cls: runHeadLinear(store, 'fc_cls', h), reg: runHeadLinear(store, 'fc_reg', h) };
  };
  return { params: store, forward };
}
