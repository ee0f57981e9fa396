/**
 * MMDetection's `RandomSampler` (`neg_pos_ub=-1`): up to `num * posFraction` positives drawn at random, then
 * negatives to fill `num`. Randomness comes from a seeded stream, never `Math.random`.
 */
import type { Rng } from '../data/rng.ts';
import type { AssignResult } from './assigner.ts';

/** Sampler settings: RPN 256 / 0.5, R-CNN 512 / 0.25. */
export interface SamplerConfig {
  num: number;
  posFraction: number;
}

/** Indices into the assigned boxes: positives first (mmdet's order), then negatives. */
export interface SampleResult {
  pos: number[];
  neg: number[];
}

/** `count` distinct items of `gallery` in random order (a partial Fisher-Yates: torch.randperm(n)[:count]). */
export function randomChoice(rng: Rng, gallery: readonly number[], count: number): number[] {
  if (count >= gallery.length) return [...gallery];
  const pool = [...gallery];
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(rng() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, count);
}

/** Samples positives and negatives from an assignment. */
export function sampleRandom(rng: Rng, assign: AssignResult, config: SamplerConfig): SampleResult {
  const posAll: number[] = [];
  const negAll: number[] = [];
  assign.gtIndex.forEach((g, i) => {
    if (g > 0) posAll.push(i);
    else if (g === 0) negAll.push(i);
  });
  const pos = randomChoice(rng, posAll, Math.floor(config.num * config.posFraction));
  const neg = randomChoice(rng, negAll, config.num - pos.length);
  return { pos, neg };
}
