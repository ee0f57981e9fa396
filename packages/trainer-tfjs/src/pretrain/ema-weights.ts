/**
 * The EMA of a model's weights and BN statistics (the tnr recipe's), kept beside a parameter store: updated
 * every `every` optimizer steps, and swapped into the store while evaluating or saving.
 */
import * as tf from '@tensorflow/tfjs-core';

import type { ParamStore } from '../model/params.ts';
import { WeightsEma } from '../train/ema.ts';

export interface EmaSettings {
  decay: number;
  every: number;
}

export class StoreEma {
  private readonly ema: WeightsEma;
  private steps = 0;

  constructor(
    private readonly store: ParamStore,
    private readonly settings: EmaSettings,
  ) {
    this.ema = new WeightsEma(settings.decay);
  }

  /** Counts one optimizer step; every `every`-th folds the store's current values in. */
  afterStep(): void {
    this.steps++;
    if (this.steps % this.settings.every !== 0) return;
    const values: Record<string, tf.Tensor> = {};
    for (const [name, e] of this.store) values[name] = e.variable;
    this.ema.update(values);
  }

  /** Runs `fn` with the averages in the store, then restores the live values (before any update: just runs `fn`). */
  async withAverages<T>(fn: () => Promise<T>): Promise<T> {
    if (this.ema.count === 0) return fn();
    const saved = new Map<string, tf.Tensor>();
    for (const [name, e] of this.store) {
      const avg = this.ema.values.get(name);
      if (!avg) continue;
      saved.set(name, tf.clone(e.variable));
      e.variable.assign(avg);
    }
    try {
      return await fn();
    } finally {
      for (const [name, v] of saved)
        (this.store.get(name) as { variable: tf.Variable }).variable.assign(v);
      tf.dispose([...saved.values()]);
    }
  }

  dispose(): void {
    this.ema.dispose();
  }
}
