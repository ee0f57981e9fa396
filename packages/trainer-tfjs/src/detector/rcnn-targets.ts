/**
 * The R-CNN stage's training samples (mmdet's `StandardRoIHead.forward_train` up to the box head): per image,
 * assign the proposals to the gt boxes, prepend the gts as proposals, sample positives then negatives, and
 * encode the positives' regression targets (RCNN coder: stds 0.1, 0.1, 0.2, 0.2). Plain typed arrays.
 */
import type { Rng } from '../data/rng.ts';
import { addGtsToAssignment, assignMaxIou, type AssignerConfig } from './assigner.ts';
import { concatBoxes } from './boxes.ts';
import { encodeOne, RCNN_CODER } from './bbox-coder.ts';
import { sampleRandom, type SamplerConfig } from './sampler.ts';

/** Sampled RoIs of a batch, image by image (positives first within an image). */
export interface RcnnSamples {
  /** `R x 4` boxes in image pixels. */
  rois: Float32Array;
  /** Image index of each RoI. */
  batchIndex: Int32Array;
  /** Class of each RoI: the gt's label for positives, `numClasses` (background) for negatives. */
  labels: Int32Array;
  /** `R x 4` encoded deltas (zeros for negatives). */
  deltas: Float32Array;
}

/** Sampling settings of the R-CNN stage. */
export interface RcnnSampling {
  assigner: AssignerConfig;
  sampler: SamplerConfig;
  addGtAsProposals: boolean;
  numClasses: number;
}

/** Samples RoIs for every image from its proposals and gts. */
export function rcnnSamples(
  proposals: readonly Float32Array[],
  gtBoxes: readonly Float32Array[],
  gtLabels: readonly Int32Array[],
  config: RcnnSampling,
  rng: Rng,
): RcnnSamples {
  const rois: Float32Array[] = [];
  const batchIndex: number[] = [];
  const labels: number[] = [];
  const deltas: Float32Array[] = [];
  proposals.forEach((props, b) => {
    const gts = gtBoxes[b] as Float32Array;
    const gtLab = gtLabels[b] as Int32Array;
    let assign = assignMaxIou(props, gts, gtLab, config.assigner);
    let boxes = props;
    if (config.addGtAsProposals && gts.length > 0) {
      assign = addGtsToAssignment(assign, gtLab);
      boxes = concatBoxes([gts, props]);
    }
    const { pos, neg } = sampleRandom(rng, assign, config.sampler);
    const picked = [...pos, ...neg];
    const imageRois = new Float32Array(picked.length * 4);
    const imageDeltas = new Float32Array(picked.length * 4);
    picked.forEach((i, k) => {
      imageRois.set(boxes.subarray(4 * i, 4 * i + 4), 4 * k);
      const positive = k < pos.length;
      labels.push(positive ? (assign.labels[i] as number) : config.numClasses);
      if (positive)
        encodeOne(boxes, i, gts, (assign.gtIndex[i] as number) - 1, RCNN_CODER, imageDeltas, 4 * k);
      batchIndex.push(b);
    });
    rois.push(imageRois);
    deltas.push(imageDeltas);
  });
  return {
    rois: concatBoxes(rois),
    batchIndex: Int32Array.from(batchIndex),
    labels: Int32Array.from(labels),
    deltas: concatBoxes(deltas),
  };
}

/** Dense loss inputs for rows in `order` (the RoI extractor's row order). */
export interface RcnnDenseTargets {
  /** `R x (K + 1)` one-hot labels. */
  oneHot: Float32Array;
  /** `R x 4K` deltas at the label's columns. */
  regTargets: Float32Array;
  /** `R x 4K` ones at a positive's label columns. */
  regWeights: Float32Array;
  /** Labels in row order (for the accuracy). */
  labels: Int32Array;
}

/** Lays samples out densely, row r holding RoI `order[r]`. */
export function denseRcnnTargets(
  samples: RcnnSamples,
  order: readonly number[],
  numClasses: number,
): RcnnDenseTargets {
  const r = order.length;
  const k = numClasses;
  const out: RcnnDenseTargets = {
    oneHot: new Float32Array(r * (k + 1)),
    regTargets: new Float32Array(r * 4 * k),
    regWeights: new Float32Array(r * 4 * k),
    labels: new Int32Array(r),
  };
  order.forEach((src, row) => {
    const label = samples.labels[src] as number;
    out.labels[row] = label;
    out.oneHot[row * (k + 1) + label] = 1;
    if (label >= k) return;
    const at = row * 4 * k + 4 * label;
    out.regTargets.set(samples.deltas.subarray(4 * src, 4 * src + 4), at);
    out.regWeights.fill(1, at, at + 4);
  });
  return out;
}
