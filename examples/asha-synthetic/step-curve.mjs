/**
 * A second deterministic synthetic learning curve for asha benchmarks, shaped like the study's own schedule
 * (Faster R-CNN "1x", ../shared/seed-study.md): 12 epochs, a linear warm-up, then lr x 0.1 after epochs 8 and 11.
 * The other family (curve.mjs) rises smoothly to its end; this one rises fast, flattens, and jumps when the lr
 * drops, so the ranking of the cells can change before the steps and hardly after them.
 *
 * value(epoch) = final x progress(epoch) / progress(12) x step(epoch) / step(12) + seed offset + evaluation jitter
 *
 * - final: the cell's bbox mAP after epoch 12. Per checkpoint an optimal lr (base 1e-2, tnr 10^-2.3 = 5e-3: as
 *   in the study's AdamW results the stronger checkpoint wants the lower lr, by a factor 2) and a top value (base
 *   0.374, tnr 0.402: the study's baseline and tnr best mAPs). Away from the optimum it loses 0.04 x (log10 lr
 *   ratio)^2 (a factor 2 costs 0.4 mAP, "close"; a factor 3 costs 0.9, "drops clearly", as the study describes
 *   AdamW lr 1e-4 vs 2e-4 vs 3e-4). Weight decay (optimum 1e-4): 0.002 per decade inside one decade of it
 *   ("matters little inside a band") and 0.02 x (decades beyond that)^2 outside ("drops sharply"); 0 counts as 1e-6.
 * - progress: u / (u + 0.77), u the epochs trained so far weighted by the lr multiplier in effect (1 up to epoch
 *   8, 0.1 for epochs 9-11, 0.01 for epoch 12; the warm-up's 500 of COCO's 7,330 iterations per epoch at batch 16,
 *   a linear ramp, cost half of them) times lr / optimal lr: a higher lr makes progress faster, so it leads early
 *   and ends lower (the crossing). 0.77 puts the optimal cell's epoch-1 value at 0.6 and its epoch-3 value at 0.87
 *   of its epoch-8 value: a fast rise, then a slow creep until the first step, the usual shape of a 1x detection
 *   log (a choice of shape, not a fit to one log). After the first step progress almost stops, so the ranking
 *   after epoch 9 is nearly the final one.
 * - step: 1 - 0.09 x the lr multiplier: the value before the first step is 0.91 of the value after it, a jump of
 *   about 3.3 mAP at epoch 9 and 0.3 at epoch 12 (the usual size of the steps' gains in 1x detection logs: about 3
 *   and a few tenths). The same factor for every cell, so it changes no ranking at any epoch; it only gives the
 *   curves the study's shape.
 * - noise: a fixed offset per trial (seed) in +-0.0015 and an evaluation jitter per epoch in +-0.001, both from a
 *   hash of the trial's parameters, so identical on every run (COCO evaluations of one cell differ by a few
 *   tenths of a mAP between seeds, which is why the study's 0.2-0.4 differences are in question).
 *
 * Whether the eventual best leads early depends on the grid: lrs above the optimum lead it before the first step
 * (the further above, the sooner they fall back), lrs below it trail throughout; on the asha bench's grids the
 * eventual best of a checkpoint ranks 4th to 10th of 12 at epoch 3 (13th to 88th on the 48- and 192-cell grids)
 * and first only from epoch 7 to 10. Nothing here was adjusted to make
 * asha look better or worse: the constants are the study's figures or the shape named beside them, chosen before
 * any asha run on this family.
 */

/** The study's 1x schedule: lr multiplier in effect during `epoch` (1-based). */
function lrMultiplier(epoch) {
  return epoch <= 8 ? 1 : epoch <= 11 ? 0.1 : 0.01;
}

/** Epochs of progress the linear warm-up costs: half of its 500 iterations, of 7,330 per COCO epoch at batch 16. */
const WARMUP_LOSS = 250 / 7330;

/** Epochs trained up to the end of `epoch`, each weighted by its lr multiplier, less the warm-up's loss. */
function weightedEpochs(epoch) {
  let u = -WARMUP_LOSS;
  for (let e = 1; e <= epoch; e++) u += lrMultiplier(e);
  return u;
}

/** A number in [0, 1) from a string (FNV-1a): deterministic noise without a random generator. */
function unitHash(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h / 2 ** 32;
}

export const STEP_CURVE_EPOCHS = 12;

/**
 * The step-schedule family's bbox mAP after `epoch` (1-12) of a trial with this lr, weight decay, seed and
 * checkpoint (`base` or `tnr`). Same arguments as curve.mjs's `syntheticValue`, so a bench can use either.
 */
export function stepScheduleValue({ lr, weightDecay, seed, epoch, checkpoint }) {
  if (!(Number.isInteger(epoch) && epoch >= 1 && epoch <= STEP_CURVE_EPOCHS)) {
    throw new Error(`the step-schedule curve has epochs 1-${STEP_CURVE_EPOCHS}, not ${epoch}`);
  }
  const tnr = checkpoint === 'tnr';
  const bestLr = tnr ? 10 ** -2.3 : 1e-2;
  const top = tnr ? 0.402 : 0.374;
  const x = Math.log10(lr / bestLr);
  const decades = Math.abs(Math.log10(Math.max(weightDecay, 1e-6)) + 4);
  const final =
    top - 0.04 * x * x - 0.002 * Math.min(decades, 1) - 0.02 * Math.max(0, decades - 1) ** 2;
  const speed = lr / bestLr;
  const progress = (e) => {
    const u = weightedEpochs(e) * speed;
    return u / (u + 0.77);
  };
  const step = (e) => 1 - 0.09 * lrMultiplier(e);
  const trial = `${checkpoint}/${lr}/${weightDecay}/${seed}`;
  const offset = (unitHash(trial) - 0.5) * 0.003;
  const jitter = (unitHash(`${trial}/${epoch}`) - 0.5) * 0.002;
  return (final * progress(epoch) * step(epoch)) / (progress(12) * step(12)) + offset + jitter;
}
