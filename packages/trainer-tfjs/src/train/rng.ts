import { mixSeed, mulberry32Next } from '../data/rng.ts';

/**
 * The training loop's seeded stream (mulberry32, the data layer's generator) with its state exposed, so a
 * snapshot can store it and a resumed run draws exactly what an uninterrupted one would have drawn.
 */
export class SeededRng {
  private state: number;

  /** Starts the stream for a seed and a purpose (different purposes give independent streams). */
  constructor(seed: number, purpose = 0) {
    this.state = mixSeed(seed, purpose);
  }

  /** A float in [0, 1). */
  next(): number {
    const [next, value] = mulberry32Next(this.state);
    this.state = next;
    return value;
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
    if (!Number.isInteger(state) || state < 0 || state > 0xffffffff)
      throw new Error(`rng: invalid state ${state}`);
    this.state = state;
  }
}
