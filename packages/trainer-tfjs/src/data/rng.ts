/**
 * Seeded randomness for the data pipeline (mulberry32). The generator and the batch iterator draw only from
 * these streams, never from `Math.random`, so a seed fixes every byte and every flip.
 */

/** A stream of floats in [0, 1). */
export type Rng = () => number;

/** One mulberry32 step: the next 32-bit state and the float in [0, 1) it yields. */
export function mulberry32Next(state: number): [next: number, value: number] {
  const next = (state + 0x6d2b79f5) >>> 0;
  let t = next;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return [next, ((t ^ (t >>> 14)) >>> 0) / 4294967296];
}

/** Creates a mulberry32 stream from a 32-bit seed. */
export function createRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    const [next, value] = mulberry32Next(a);
    a = next;
    return value;
  };
}

/** Mixes integers into one 32-bit seed (murmur3's finaliser per part), for independent per-item streams. */
export function mixSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** An integer in [min, max] (both included). */
export function randInt(rng: Rng, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1));
}

/** A float in [min, max). */
export function randFloat(rng: Rng, min: number, max: number): number {
  return min + rng() * (max - min);
}

/** One element of a non-empty array. */
export function pick<T>(rng: Rng, items: readonly T[]): T {
  const item = items[Math.floor(rng() * items.length)];
  if (item === undefined) throw new RangeError('pick from an empty array');
  return item;
}

/** Shuffles in place (Fisher-Yates) and returns the array. */
export function shuffle<T>(rng: Rng, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
