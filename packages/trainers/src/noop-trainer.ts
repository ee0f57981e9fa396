/** A trainer that trains nothing: it measures the orchestration around a trial (benchmarks, tests). */
import type { Trainer, TrainerContext, TrainerResult, TrialRun } from '@sweeps/core';

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (ms === 0) return resolve();
    const t = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        reject(signal.reason);
      },
      { once: true },
    );
  });

export class NoopTrainer implements Trainer {
  readonly kind = 'noop';

  async run(trial: TrialRun, ctx: TrainerContext): Promise<TrainerResult> {
    const epochs = Number(trial.fixed.epochs ?? 0);
    const epochMs = Number(trial.trainer.epoch_ms ?? 0);
    // A made-up but deterministic score: higher for lr close to 1e-3, so grids have a visible optimum.
    const score = 1 / (1 + Math.abs(Math.log10(Number(trial.params.lr)) + 3)) + trial.seed * 1e-6;
    for (let e = 1; e <= epochs; e++) {
      await sleep(epochMs, ctx.signal);
      await ctx.reportEpoch(e, { [trial.metricName]: (score * e) / epochs });
    }
    return { metrics: { [trial.metricName]: score }, backend: 'none', device: 'none' };
  }
}
