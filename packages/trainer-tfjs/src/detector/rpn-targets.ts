/**
 * What the RPN learns and what it proposes, in plain typed arrays (outside the gradient):
 * - `rpnTargets`: mmdet's `AnchorHead.get_targets` with `allowed_border=-1` (every anchor takes part): assign
 *   each image's anchors to its gt boxes, sample, and lay the result out densely as 0/1 weights;
 * - `rpnProposals`: mmdet's `RPNHead._get_bboxes_single`: per level the top `nmsPre` anchors by score, decoded
 *   and clipped to the image, boxes with a side <= `minBboxSize` dropped, NMS within each level, the best
 *   `maxPerImg` overall.
 */
import type { Rng } from '../data/rng.ts';
import { assignMaxIou, type AssignerConfig } from './assigner.ts';
import { decodeOne, encodeOne, RPN_CODER } from './bbox-coder.ts';
import { batchedNms } from './nms.ts';
import { sampleRandom, type SamplerConfig } from './sampler.ts';
import type { ProposalConfig } from './config.ts';

/** Dense training targets of a batch, `n x T` (and `n x T x 4`), T anchors per image. */
export interface RpnTargets {
  /** 1 for positives, 0 otherwise. */
  labels: Float32Array;
  /** 1 for sampled anchors (positive or negative). */
  labelWeights: Float32Array;
  /** Encoded deltas of positives (RPN coder: means 0, stds 1). */
  bboxTargets: Float32Array;
  /** 1 on the 4 deltas of positives. */
  bboxWeights: Float32Array;
  /** Sampled anchors over the batch (mmdet's `num_total_samples` with sampling): the losses' divisor. */
  numSamples: number;
  numPositives: number;
}

/** Targets for anchors `anchors` (`T x 4`, shared by the batch) and each image's gt boxes. */
export function rpnTargets(
  anchors: Float32Array,
  gtBoxes: readonly Float32Array[],
  assigner: AssignerConfig,
  sampler: SamplerConfig,
  rng: Rng,
): RpnTargets {
  const t = anchors.length >> 2;
  const n = gtBoxes.length;
  const out: RpnTargets = {
    labels: new Float32Array(n * t),
    labelWeights: new Float32Array(n * t),
    bboxTargets: new Float32Array(n * t * 4),
    bboxWeights: new Float32Array(n * t * 4),
    numSamples: 0,
    numPositives: 0,
  };
  gtBoxes.forEach((gts, b) => {
    const assign = assignMaxIou(anchors, gts, new Int32Array(gts.length >> 2), assigner);
    const { pos, neg } = sampleRandom(rng, assign, sampler);
    for (const i of pos) {
      out.labels[b * t + i] = 1;
      out.labelWeights[b * t + i] = 1;
      encodeOne(
        anchors,
        i,
        gts,
        (assign.gtIndex[i] as number) - 1,
        RPN_CODER,
        out.bboxTargets,
        (b * t + i) * 4,
      );
      out.bboxWeights.fill(1, (b * t + i) * 4, (b * t + i) * 4 + 4);
    }
    for (const i of neg) out.labelWeights[b * t + i] = 1;
    out.numSamples += pos.length + neg.length;
    out.numPositives += pos.length;
  });
  return out;
}

/** One image's proposals: boxes `k x 4` (image pixels) and their objectness, best first. */
export interface Proposals {
  boxes: Float32Array;
  scores: Float32Array;
}

/** The best `count` indices of `scores[from..to)` (all of them when fewer), best first. */
function topK(scores: Float32Array, from: number, to: number, count: number): number[] {
  const idx = Array.from({ length: to - from }, (_, i) => from + i);
  idx.sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b);
  return count > 0 && idx.length > count ? idx.slice(0, count) : idx;
}

/**
 * Proposals of one image from its objectness scores (`T`, after the sigmoid) and deltas (`T x 4`).
 * @param levelSizes anchors per level, in order (they partition T)
 * @param imgShape `[h, w]` of the resized image (before padding): boxes are clipped to it
 */
export function rpnProposals(
  scores: Float32Array,
  deltas: Float32Array,
  anchors: Float32Array,
  levelSizes: readonly number[],
  imgShape: readonly [number, number],
  config: ProposalConfig,
): Proposals {
  const chosen: number[] = [];
  const levels: number[] = [];
  let from = 0;
  levelSizes.forEach((size, level) => {
    for (const i of topK(scores, from, from + size, config.nmsPre))
      [chosen[chosen.length], levels[levels.length]] = [i, level];
    from += size;
  });
  const boxes = new Float32Array(chosen.length * 4);
  const kept: number[] = [];
  chosen.forEach((i, k) => {
    decodeOne(anchors, i, deltas, 4 * i, RPN_CODER, boxes, 4 * k, imgShape);
    const w = (boxes[4 * k + 2] as number) - (boxes[4 * k] as number);
    const h = (boxes[4 * k + 3] as number) - (boxes[4 * k + 1] as number);
    if (w > config.minBboxSize && h > config.minBboxSize) kept.push(k);
  });
  const keptScores = Float32Array.from(kept, (k) => scores[chosen[k] as number] as number);
  const keptBoxes = new Float32Array(kept.length * 4);
  kept.forEach((k, j) => {
    keptBoxes.set(boxes.subarray(4 * k, 4 * k + 4), 4 * j);
  });
  const keep = batchedNms(
    keptBoxes,
    keptScores,
    kept.map((k) => levels[k] as number),
    config.nmsIou,
    config.maxPerImg,
  );
  const out: Proposals = {
    boxes: new Float32Array(keep.length * 4),
    scores: new Float32Array(keep.length),
  };
  keep.forEach((k, j) => {
    out.boxes.set(keptBoxes.subarray(4 * k, 4 * k + 4), 4 * j);
    out.scores[j] = keptScores[k] as number;
  });
  return out;
}
