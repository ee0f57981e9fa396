import { FALSE_POSITIVE, TRUE_POSITIVE, type Matched } from './match.ts';
import type { ResolvedOptions } from './params.ts';
import type { Prepared } from './prepare.ts';

/** pycocotools' `eval` arrays, flat in C order: precision and scores [T][R][K][A][M], recall [T][K][A][M]. */
export interface Accumulated {
  precision: Float64Array;
  recall: Float64Array;
  scores: Float64Array;
  /** Kept detections per evaluation category. */
  dtCount: Int32Array;
}

const EPS = 2.220446049250313e-16; // np.spacing(1)

interface Dims {
  T: number;
  R: number;
  K: number;
  A: number;
  M: number;
}

/** What every cell reads and writes. */
interface Context {
  m: Matched;
  opts: ResolvedOptions;
  out: Accumulated;
  dims: Dims;
}

/** A cell's coordinates: category, area range, maxDets index, IoU threshold; and the gt it counts. */
interface Cell {
  k: number;
  a: number;
  mi: number;
  t: number;
  npig: number;
}

/** Slots of one evaluation category sorted by descending score, ties in (image, rank) order (stable mergesort). */
function sortCategory(m: Matched, from: number, to: number): Int32Array {
  const order = new Int32Array(to - from);
  for (let i = 0; i < order.length; i++) order[i] = from + i;
  const score = m.keptScore;
  return order.sort((a, b) => score[b]! - score[a]! || a - b);
}

/** First index i in rc[0..n) with rc[i] >= x: np.searchsorted(rc, x, side='left'). */
function searchLeft(rc: Float64Array, n: number, x: number): number {
  let lo = 0,
    hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (rc[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** One category's detections for one maxDets: sorted slots, their outcomes copied in that order, scratch. */
interface Curve {
  slots: Int32Array;
  n: number;
  state: Uint8Array;
  rc: Float64Array;
  pr: Float64Array;
  pos: Int32Array;
}

/**
 * One (category, area, maxDets, threshold) cell of pycocotools' `accumulate()`. pycocotools computes recall and
 * precision after every detection, takes the precision envelope and samples it at the first index whose recall
 * reaches each recall point. Recall only rises at true positives, and between two true positives precision only
 * falls, so the sampled index is always a true positive (or index 0 for recall point 0) and the envelope there
 * is the running maximum over later true positives: computing the curve at true positives only gives the same
 * numbers, with the same floating-point operations, in a fraction of the time.
 */
function fillCell({ m, opts, out, dims }: Context, c: Curve, { k, a, mi, t, npig }: Cell): void {
  const { T, R, K, A, M } = dims;
  const { slots, n, state, rc, pr, pos } = c;
  let tp = 0,
    fp = 0,
    e = 0;
  for (let i = 0, at = a * T + t, step = A * T; i < n; i++, at += step) {
    const st = state[at];
    if (st === FALSE_POSITIVE) fp++;
    else if (st === TRUE_POSITIVE) {
      tp++;
      rc[e] = tp / npig;
      pr[e] = tp / (fp + tp + EPS);
      pos[e++] = i;
    }
  }
  out.recall[((t * K + k) * A + a) * M + mi] = n > 0 ? tp / npig : 0;
  for (let i = e - 1; i > 0; i--) if (pr[i]! > pr[i - 1]!) pr[i - 1] = pr[i]!;
  let stopped = false;
  for (let r = 0; r < R; r++) {
    const at = (((t * R + r) * K + k) * A + a) * M + mi;
    const x = opts.recallThresholds[r]!;
    const event: number = x <= 0 ? -1 : stopped ? e : searchLeft(rc, e, x);
    // pycocotools stops at the first recall point past the curve (an IndexError it swallows): the rest stay 0.
    stopped ||= x <= 0 ? n === 0 : event >= e;
    out.precision[at] = stopped ? 0 : event < 0 ? (e > 0 ? pr[0]! : 0) : pr[event]!;
    out.scores[at] = stopped ? 0 : m.keptScore[slots[event < 0 ? 0 : pos[event]!]!]!;
  }
}

function accumulateCategory(ctx: Context, k: number, from: number, to: number): void {
  const { m, opts, dims } = ctx;
  const sorted = sortCategory(m, from, to);
  const rc = new Float64Array(sorted.length);
  const pr = new Float64Array(sorted.length);
  const pos = new Int32Array(sorted.length);
  const slots = new Int32Array(sorted.length);
  const width = dims.A * dims.T;
  const state = new Uint8Array(sorted.length * width);
  for (let mi = 0; mi < dims.M; mi++) {
    const maxDet = opts.maxDets[mi]!;
    let n = 0;
    for (const slot of sorted) {
      if (m.keptRank[slot]! >= maxDet) continue;
      // Copied in score order so that the per-threshold passes below read memory sequentially.
      for (let w = 0, from = slot * width, to = n * width; w < width; w++)
        state[to + w] = m.state[from + w]!;
      slots[n++] = slot;
    }
    const curve: Curve = { slots, n, state, rc, pr, pos };
    for (let a = 0; a < dims.A; a++) {
      const npig = m.npig[k * dims.A + a]!;
      if (npig === 0) continue; // no ground truth: precision and recall stay -1
      for (let t = 0; t < dims.T; t++) fillCell(ctx, curve, { k, a, mi, t, npig });
    }
  }
}

/** pycocotools' `accumulate()`: precision/recall per (threshold, recall point, category, area, maxDets). */
export function accumulate(pre: Prepared, m: Matched, opts: ResolvedOptions): Accumulated {
  const dims: Dims = {
    T: opts.iouThresholds.length,
    R: opts.recallThresholds.length,
    K: pre.evalCategoryCount,
    A: opts.areaRanges.length,
    M: opts.maxDets.length,
  };
  const size = dims.T * dims.R * dims.K * dims.A * dims.M;
  const out: Accumulated = {
    precision: new Float64Array(size).fill(-1),
    recall: new Float64Array(dims.T * dims.K * dims.A * dims.M).fill(-1),
    scores: new Float64Array(size).fill(-1),
    dtCount: new Int32Array(dims.K),
  };
  for (let k = 0; k < dims.K; k++) {
    const from = m.keptStart[k * pre.imageCount]!;
    const to = m.keptStart[(k + 1) * pre.imageCount]!;
    out.dtCount[k] = to - from;
    accumulateCategory({ m, opts, out, dims }, k, from, to);
  }
  return out;
}
