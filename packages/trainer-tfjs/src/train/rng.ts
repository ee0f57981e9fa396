import { mixSeed } from '../data/rng.ts';

/**
 * The training loop's seeded stream (mulberry32, the data layer's generator) with its state exposed, so a
 * checkpoint can store it and a resumed run draws exactly what an uninterrupted one would have drawn.
 */
export class SeededRng {
  private state: number;

  /** Starts the stream for a seed and a purpose (different purposes give independent streams). */
  constructor(seed: number, purpose = 0) {
    this.state = mixSeed(seed, purpose);
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  nextInt(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A 32-bit seed for a seeded tfjs op (`tf.randomUniform(..., seed)`), drawn from the stream. */
  nextSeed(): number {
    return Math.floor(this.next() * 4294967296);
  }

  /** The stream's position (one 32-bit integer). */
  getState(): number {
    return this.state;
  }

  /** Moves the stream to a position from {@link getState}. */
  setState(state: number): void {
    if (!Number.isInteger(state) || state < 0 || state > 0xffffffff) throw new Error(`rng: invalid state ${state}`);
    this.state = state;
  }
}
