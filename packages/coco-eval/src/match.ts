import { computeIous } from './iou.ts';
import type { ResolvedOptions } from './params.ts';
import type { Prepared } from './prepare.ts';

/** Detection outcome per (kept detection, area range, IoU threshold). */
export const FALSE_POSITIVE = 0;
export const TRUE_POSITIVE = 1;
export const IGNORED = 2;

/**
 * pycocotools' `evaluateImg` results for every group, flattened. Kept detections are those among the best
 * `max(maxDets)` of their group, in group order and, inside a group, by descending score (stable).
 */
export interface Matched {
  /** Group g's kept detections are slots `keptStart[g] .. keptStart[g + 1]`. */
  keptStart: Int32Array;
  keptScore: Float64Array;
  /** Rank of the slot inside its group (0 = best score), to apply smaller maxDets. */
  keptRank: Int32Array;
  /** `state[(slot * A + a) * T + t]`: FALSE_POSITIVE, TRUE_POSITIVE or IGNORED. */
  state: Uint8Array;
  /** Ground truth that is not ignored, per (evaluation category, area range): `npig[c * A + a]`. */
  npig: Int32Array;
}

/** Reusable buffers, grown on demand, so the per-group loop allocates nothing. */
class Scratch {
  pos = new Int32Array(64);
  posScore = new Float64Array(64);
  dt = new Int32Array(64);
  dtArea = new Float64Array(64);
  iou = new Float64Array(256);
  permIou = new Float64Array(256);
  perm = new Int32Array(64);
  ignore = new Uint8Array(64);
  crowd = new Uint8Array(64);
  zeroId = new Uint8Array(64);
  taken = new Uint8Array(64);

  reserve(dtCount: number, gtCount: number): void {
    if (this.pos.length < dtCount) {
      const n = Math.max(dtCount, 2 * this.pos.length);
      this.pos = new Int32Array(n);
      this.posScore = new Float64Array(n);
      this.dt = new Int32Array(n);
      this.dtArea = new Float64Array(n);
    }
    if (this.perm.length < gtCount) {
      const n = Math.max(gtCount, 2 * this.perm.length);
      this.perm = new Int32Array(n);
      this.ignore = new Uint8Array(n);
      this.taken = new Uint8Array(n);
      this.crowd = new Uint8Array(n);
      this.zeroId = new Uint8Array(n);
    }
    if (this.iou.length < dtCount * gtCount) {
      const n = Math.max(dtCount * gtCount, 2 * this.iou.length);
      this.iou = new Float64Array(n);
      this.permIou = new Float64Array(n);
    }
  }
}

/** Sorts a group's detections by descending score, ties in group order (np.argsort(-s, kind='mergesort')). */
function sortGroupDetections(pre: Prepared, s: Scratch, from: number, count: number): void {
  const { pos, posScore } = s;
  for (let p = 0; p < count; p++) {
    pos[p] = p;
    posScore[p] = pre.dtScore[pre.dtOrder[from + p]!]!;
  }
  if (count > 1) pos.subarray(0, count).sort((a, b) => posScore[b]! - posScore[a]! || a - b);
}

/**
 * Orders a group's ground truth for one area range as pycocotools does (counted first, ignored last, stable) and
 * lays out what matching reads in that order: ignore and crowd flags, zero-id flags, and the IoU columns.
 * Returns how many are counted (not ignored).
 */
function orderGroundTruth(
  pre: Prepared,
  s: Scratch,
  g: MatchGroup,
  min: number,
  max: number,
): number {
  const { perm, ignore, crowd, zeroId, iou, permIou } = s;
  let p = 0,
    counted = 0;
  for (let pass = 0; pass < 2; pass++) {
    for (let j = 0; j < g.gtCount; j++) {
      const gi = pre.gtOrder[g.gtFrom + j]!;
      const area = pre.gtArea[gi]!;
      const ig = pre.gtCrowd[gi] === 1 || area < min || area > max ? 1 : 0;
      if (ig !== pass) continue;
      perm[p] = j;
      ignore[p] = ig;
      crowd[p] = pre.gtCrowd[gi]!;
      zeroId[p] = pre.gtId[gi] === 0 ? 1 : 0;
      p++;
    }
    if (pass === 0) counted = p;
  }
  for (let d = 0, row = 0; d < g.dtCount; d++, row += g.gtCount) {
    for (let j = 0; j < g.gtCount; j++) permIou[row + j] = iou[row + perm[j]!]!;
  }
  return counted;
}

/** pycocotools' greedy matching for one area range: each threshold, detections by score, best IoU wins. */
function matchArea(
  pre: Prepared,
  opts: ResolvedOptions,
  s: Scratch,
  m: Matched,
  g: MatchGroup,
  a: number,
): void {
  const { min, max } = opts.areaRanges[a]!;
  const { ignore, crowd, zeroId, taken, permIou, dtArea } = s;
  const T = opts.iouThresholds.length;
  const A = opts.areaRanges.length;
  const G = g.gtCount;
  m.npig[g.category * A + a]! += orderGroundTruth(pre, s, g, min, max);
  if (G === 0) {
    unmatchedOnly(s, m, g, a, A, T, min, max);
    return;
  }
  for (let t = 0; t < T; t++) {
    taken.fill(0, 0, G);
    const threshold = Math.min(opts.iouThresholds[t]!, 1 - 1e-10);
    for (let d = 0, row = 0; d < g.dtCount; d++, row += G) {
      let best = threshold;
      let hit = -1;
      for (let j = 0; j < G; j++) {
        if (taken[j] === 1 && crowd[j] === 0) continue;
        if (hit > -1 && ignore[hit] === 0 && ignore[j] === 1) break;
        const v = permIou[row + j]!;
        if (v < best) continue;
        best = v;
        hit = j;
      }
      if (hit > -1) taken[hit] = 1;
      // dtm/dtIg of pycocotools: a match to a gt whose id is 0 reads as "unmatched" there, and does here too.
      const matched = hit > -1 && zeroId[hit] === 0;
      const outside = dtArea[d]! < min || dtArea[d]! > max;
      const ignored = (hit > -1 && ignore[hit] === 1) || (!matched && outside);
      m.state[((g.slotFrom + d) * A + a) * T + t] = ignored
        ? IGNORED
        : matched
          ? TRUE_POSITIVE
          : FALSE_POSITIVE;
    }
  }
}

/** Fast path for a group without ground truth: every detection is a false positive, or ignored outside the range. */
function unmatchedOnly(
  s: Scratch,
  m: Matched,
  g: MatchGroup,
  a: number,
  A: number,
  T: number,
  min: number,
  max: number,
): void {
  for (let d = 0; d < g.dtCount; d++) {
    const outside = s.dtArea[d]! < min || s.dtArea[d]! > max;
    const at = ((g.slotFrom + d) * A + a) * T;
    m.state.fill(outside ? IGNORED : FALSE_POSITIVE, at, at + T);
  }
}

interface MatchGroup {
  category: number;
  gtFrom: number;
  gtCount: number;
  dtCount: number;
  slotFrom: number;
}

function matchGroup(
  pre: Prepared,
  opts: ResolvedOptions,
  s: Scratch,
  m: Matched,
  group: number,
  slot: number,
): number {
  const dtFrom = pre.dtStart[group]!;
  const allDt = pre.dtStart[group + 1]! - dtFrom;
  const gtFrom = pre.gtStart[group]!;
  const gtCount = pre.gtStart[group + 1]! - gtFrom;
  if (allDt === 0 && gtCount === 0) return 0;
  const dtCount = Math.min(allDt, opts.maxDets[opts.maxDets.length - 1]!);
  s.reserve(allDt, gtCount);
  sortGroupDetections(pre, s, dtFrom, allDt);
  for (let d = 0; d < dtCount; d++) {
    const di = pre.dtOrder[dtFrom + s.pos[d]!]!;
    s.dt[d] = di;
    s.dtArea[d] = pre.dtBox[4 * di + 2]! * pre.dtBox[4 * di + 3]!;
    m.keptScore[slot + d] = pre.dtScore[di]!;
    m.keptRank[slot + d] = d;
  }
  computeIous(
    pre.dtBox,
    s.dt,
    dtCount,
    pre.gtBox,
    pre.gtCrowd,
    pre.gtOrder,
    gtFrom,
    gtCount,
    s.iou,
  );
  const g: MatchGroup = {
    category: Math.floor(group / pre.imageCount),
    gtFrom,
    gtCount,
    dtCount,
    slotFrom: slot,
  };
  for (let a = 0; a < opts.areaRanges.length; a++) matchArea(pre, opts, s, m, g, a);
  return dtCount;
}

/** Runs pycocotools' `evaluate()` over every (category, image) group. */
export function matchAll(pre: Prepared, opts: ResolvedOptions): Matched {
  const groupCount = pre.evalCategoryCount * pre.imageCount;
  const maxKept = pre.dtOrder.length;
  const m: Matched = {
    keptStart: new Int32Array(groupCount + 1),
    keptScore: new Float64Array(maxKept),
    keptRank: new Int32Array(maxKept),
    state: new Uint8Array(maxKept * opts.areaRanges.length * opts.iouThresholds.length),
    npig: new Int32Array(pre.evalCategoryCount * opts.areaRanges.length),
  };
  const s = new Scratch();
  let slot = 0;
  for (let group = 0; group < groupCount; group++) {
    m.keptStart[group] = slot;
    slot += matchGroup(pre, opts, s, m, group, slot);
  }
  m.keptStart[groupCount] = slot;
  return m;
}
