import type * as tf from '@tensorflow/tfjs-core';

import type { ParamStore } from '../model/params.ts';
import type { ParamRole } from '../optim/types.ts';
import type { SeededRng } from './rng.ts';

/** What a task's loss returns for one batch: the total to minimise and its named terms (all scalars). */
export interface LossOutput {
  total: tf.Scalar;
  /** Named parts of the loss (`loss_cls`, `loss_rpn_bbox`, ...); each is reported per epoch as its mean. */
  terms: Record<string, tf.Scalar>;
}

/**
 * One thing the generic loop can train: a model, its data and its loss. The loop owns the optimizer, the
 * schedule, snapshots and reporting; the task owns everything that depends on what is being trained.
 */
export interface TrainTask<Batch = unknown> {
  /** Every tensor a snapshot holds (weights and BN running statistics), by torch state-dict key. */
  params: ParamStore;
  /** The variables the optimizer updates, by the same keys. */
  variables: Record<string, tf.Variable>;
  /** Each trainable parameter's role (norm layer? bias?) for the paramwise weight-decay rules. */
  roles: Record<string, ParamRole>;
  /** Batches per epoch (fixes the schedule's iteration count). */
  itersPerEpoch: number;
  /**
   * One epoch of batches. Must be a pure function of (`seed`, `epoch`): shuffling and augmentation draw from
   * a stream seeded by both, so a resumed run sees the same batches as an uninterrupted one.
   */
  batches(epoch: number, seed: number): Iterable<Batch>;
  /**
   * Asynchronous work for `batch` before its step (called by the loop right before `lossFn`, outside the
   * gradient tape): e.g. reading values the loss needs where the backend cannot read synchronously (webgpu).
   */
  prepare?(batch: Batch): Promise<void>;
  /** The loss of one batch in training mode; `rng` is the loop's seeded stream (sampling, dropout). */
  lossFn(batch: Batch, rng: SeededRng): LossOutput;
  /** Called after each optimizer step (e.g. to fold batch statistics into BN running averages). */
  afterStep?(): void;
  /** Evaluation metrics after an epoch (validation accuracy, bbox mAP); numbers only. */
  evaluate?(epoch: number): Promise<Record<string, number>> | Record<string, number>;
  /** Frees the task's tensors. */
  dispose?(): void;
}
