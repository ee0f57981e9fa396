/**
 * Exponential moving average of the weights (the tnr recipe's EMA), as torchvision's reference scripts keep it
 * (`AveragedModel` with `use_buffers=True`): the first update copies, each later one sets
 * avg = decay * avg + (1 - decay) * value, over parameters and BN running statistics alike. The tnr recipe
 * updates it every few iterations (32 at ImageNet scale); {@link emaDecayPerUpdate} gives the decay that does so.
 */
import * as tf from '@tensorflow/tfjs-core';

/** An EMA over named tensors (variables or buffers). */
export class WeightsEma {
  private readonly averages = new Map<string, tf.Variable>();
  private updates = 0;

  constructor(readonly decay: number) {
    if (!(decay >= 0 && decay <= 1))
      throw new RangeError(`ema: decay must be in [0, 1], got ${decay}`);
  }

  /** How many updates were made (0: the next one copies). */
  get count(): number {
    return this.updates;
  }

  /** Folds the current values in. Every call must pass the same names and shapes. */
  update(values: Readonly<Record<string, tf.Tensor>>): void {
    const first = this.updates === 0;
    for (const [name, v] of Object.entries(values)) {
      const avg = this.averages.get(name);
      if (first || avg === undefined) {
        if (avg) avg.dispose();
        this.averages.set(name, tf.variable(tf.clone(v), false, undefined, 'float32'));
        continue;
      }
      const next = tf.tidy(() => tf.add(tf.mul(avg, this.decay), tf.mul(v, 1 - this.decay)));
      avg.assign(next);
      next.dispose();
    }
    this.updates++;
  }

  /** The averaged tensors (owned by the EMA; do not dispose). */
  get values(): ReadonlyMap<string, tf.Tensor> {
    return this.averages;
  }

  /** Forgets the averages, so the next update copies (torchvision resets the EMA during warm-up). */
  reset(): void {
    this.updates = 0;
  }

  dispose(): void {
    for (const v of this.averages.values()) v.dispose();
    this.averages.clear();
  }
}

/**
 * The decay of an EMA updated every `every` iterations that forgets as fast as one with `decayPerIter` updated
 * every iteration: decayPerIter^every.
 */
export function emaDecayPerUpdate(decayPerIter: number, every: number): number {
  return decayPerIter ** every;
}
