/**
 * Divergence seen in MMDetection's output while it trains, so a doomed trial ends at once instead of burning every
 * epoch. The study's base configs clip gradients: at a far too high lr the loss then stays finite but huge
 * (1e21-1e24) with `grad_norm: inf`, and evaluation finds nothing ("The testing results of the whole dataset is
 * empty") while tools/train.py exits 0. Ended as `diverged`, with the line that shows it:
 * - a NaN or infinite loss on any training line (at once);
 * - a loss above `max_loss`, or a non-finite `grad_norm`, on `patience` training lines in a row;
 * - an evaluation that found no detections at all (at once).
 */
import { parseMetricNumber } from '@sweeps/trainer-command';
import { trainLine } from './metrics/text-log.ts';

/** How the watch decides; the sweep file's `trainer.divergence` (defaults in the spec). */
export interface DivergenceLimits {
  /** A loss above this counts as diverging. */
  maxLoss: number;
  /** Training lines in a row that must show it (a loss above the bound or a non-finite grad_norm). */
  patience: number;
}

/** mmengine's CocoMetric (and 2.x's dataset evaluation) when no image got a single detection. */
const EMPTY_EVALUATION = /testing results of the whole dataset is empty/i;

/** `loss: 1.8` and `grad_norm: inf` in a training line's tail (2.x separates pairs with commas). */
const LOSS = /(?:^|[\s,])loss:\s*([^\s,]+)/;
const GRAD_NORM = /(?:^|[\s,])grad_norm:\s*([^\s,]+)/;

/** The value a pattern captures in a training line's tail, if it is a number (NaN and inf included). */
function logged(tail: string, pattern: RegExp): number | null {
  const m = pattern.exec(tail);
  return m ? parseMetricNumber(m[1]!) : null;
}

/** Why a line ends the run as diverged, with the line as evidence; null while it trains normally. */
export class DivergenceWatch {
  private streak = 0;

  constructor(private readonly limits: DivergenceLimits) {}

  push(line: string): string | null {
    if (EMPTY_EVALUATION.test(line))
      return `evaluation found no detections at all (the model predicts nothing): "${evidence(line)}"`;
    const train = trainLine(line);
    if (!train) return null;
    const loss = logged(train.tail, LOSS);
    if (loss !== null && !Number.isFinite(loss))
      return `loss = ${loss} at epoch ${train.epoch}: "${evidence(line)}"`;
    const grad = logged(train.tail, GRAD_NORM);
    const huge = loss !== null && loss > this.limits.maxLoss;
    const badGrad = grad !== null && !Number.isFinite(grad);
    this.streak = huge || badGrad ? this.streak + 1 : 0;
    if (this.streak < this.limits.patience) return null;
    const what = huge ? `loss ${loss} above ${this.limits.maxLoss}` : `grad_norm = ${grad}`;
    return `${what} on ${this.streak} training lines in a row, at epoch ${train.epoch}: "${evidence(line)}"`;
  }
}

/** The line as quoted evidence: bounded, so the reason stays readable. */
function evidence(line: string): string {
  const t = line.trim();
  return t.length > 400 ? `${t.slice(0, 400)}…` : t;
}
