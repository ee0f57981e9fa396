/**
 * What any trainer may report for an epoch before the worker stores it, whatever parsed it: an epoch up to the
 * worker's epoch cap (`SWEEPS_MAX_EPOCHS_PER_TRIAL`, default 1,000; never above `MAX_EPOCH`, well inside the integer
 * column), at most `MAX_METRICS_PER_EPOCH` values in one epoch, names of the one metric-name rule (trainer-command's
 * `isMetricName`, the one the metric sources use), and a bounded number of names per trial. A trainer that breaks
 * a rule fails its trial with a reason the user can read (never the worker, never a database error). The command
 * trainer's metric sources already skip such lines as output; this guard holds for every trainer kind.
 */
import { DEFAULT_MAX_EPOCHS_PER_TRIAL, PermanentTrialError } from '@sweeps/core';
import { isMetricName, MAX_EPOCH, MAX_METRICS_PER_EPOCH } from '@sweeps/trainer-command';

/** Distinct metric names one trial may report over all its epochs. */
export const MAX_METRIC_NAMES = 256;

/** Shows a name from a trainer safely in an error: escaped (control characters, NUL) and shortened. */
export function quoteName(name: string): string {
  const shown = name.length > 60 ? `${name.slice(0, 60)}…` : name;
  return JSON.stringify(shown).replace(
    /[\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * Checks each epoch a trial reports; one instance per attempt (it counts the names seen). `maxEpochs`: the
 * worker's epoch cap; a trainer reporting a later epoch fails its trial, and the epochs stored before stay.
 */
export class MetricRules {
  private readonly names = new Set<string>();

  constructor(private readonly maxEpochs = DEFAULT_MAX_EPOCHS_PER_TRIAL) {}

  /** Throws PermanentTrialError ('invalid') naming the first broken rule. */
  check(epoch: number, metrics: Record<string, number>): void {
    if (!Number.isInteger(epoch) || epoch < 0 || epoch > MAX_EPOCH)
      throw new PermanentTrialError(
        `the trainer reported epoch ${epoch}: epochs are whole numbers from 0 to ${MAX_EPOCH}`,
        'invalid',
      );
    if (epoch > this.maxEpochs)
      throw new PermanentTrialError(
        `the trainer reported epoch ${epoch}: this worker keeps at most ${this.maxEpochs.toLocaleString('en-US')} epochs per trial (SWEEPS_MAX_EPOCHS_PER_TRIAL), so the trial was stopped; its earlier epochs are kept`,
        'invalid',
      );
    const count = Object.keys(metrics).length;
    if (count > MAX_METRICS_PER_EPOCH)
      throw new PermanentTrialError(
        `the trainer reported ${count} metrics for epoch ${epoch}: at most ${MAX_METRICS_PER_EPOCH} per epoch`,
        'invalid',
      );
    for (const name of Object.keys(metrics)) {
      if (this.names.has(name)) continue;
      if (!isMetricName(name))
        throw new PermanentTrialError(
          `the trainer reported a metric named ${quoteName(name)} (epoch ${epoch}): metric names are 1-100 letters, digits, _ or ., starting with a letter or _`,
          'invalid',
        );
      if (this.names.size >= MAX_METRIC_NAMES)
        throw new PermanentTrialError(
          `the trainer reported more than ${MAX_METRIC_NAMES} metric names (at epoch ${epoch}, e.g. ${quoteName(name)}): report the metrics you want to compare, not one per item`,
          'invalid',
        );
      this.names.add(name);
    }
  }
}
