/**
 * A trial's `reportEpoch`, as its trainer calls it: each epoch is validated and stored, then (asha) decided at its
 * rungs. Trainers may report without waiting (the tfjs trainer forwards each stdout line as it comes), so the whole
 * handling of an epoch, its rung decision included, runs one epoch at a time in the order reported: a later epoch
 * is neither stored nor judged at a rung before an earlier one's decision is taken.
 */
import { lastLine, PermanentTrialError, type PruningPlan } from '@sweeps/core';
import { type Db, recordEpoch, retryOnConnectionLoss, type TrialLease } from '@sweeps/db';
import { EpochNotStored, TrialSuperseded } from './abort-reasons.ts';
import { MetricRules } from './metric-rules.ts';
import { type ReportEpoch, type RungOptions, TrialPaused, withPruning } from './pruning.ts';

/**
 * The trial's reporter: `store` (see {@link epochStore}) then the rung decisions, serialised per trial, and never
 * rejecting (a failure aborts the trial with its reason instead, so no trainer can turn it into an unhandled
 * rejection). `plan`: the trial's rungs, as its claim gave them (null: never judged).
 */
export function trialEpochReports(
  plan: PruningPlan | null,
  trial: { trialId: string; workerId: string },
  controller: AbortController,
  store: ReportEpoch,
  rungs: RungOptions,
): ReportEpoch {
  const decided = withPruning(plan, trial, controller, store, rungs);
  return oneAtATime(neverRejects(decided, controller));
}

/**
 * Validates and stores one epoch (waiting out a short database outage); a problem aborts the trial with the
 * reason. A resumed attempt's curve starts with the epochs of the attempt whose snapshot it continues.
 */
export function epochStore(
  deps: { db: Db; log: (line: string) => void; maxEpochsPerTrial?: number },
  lease: TrialLease,
  controller: AbortController,
  resumed: boolean,
): ReportEpoch {
  const rules = new MetricRules(deps.maxEpochsPerTrial);
  return async (epoch, metrics) => {
    // A trial paused at a rung still stores the epochs its trainer finishes while it stops (its lease allows it).
    if (controller.signal.aborted && !(controller.signal.reason instanceof TrialPaused)) return;
    try {
      rules.check(epoch, metrics);
      const stored = await retryOnConnectionLoss(
        () => recordEpoch(deps.db, lease, epoch, metrics, { resumed }),
        { forMs: 30_000, log: deps.log, what: `epoch ${epoch} of ${lease.trialId}` },
      );
      if (!stored) controller.abort(new TrialSuperseded());
    } catch (err) {
      const permanent = err instanceof PermanentTrialError;
      const message = permanent
        ? err.message
        : `epoch ${epoch} could not be stored: ${lastLine(err)}`;
      controller.abort(new EpochNotStored(message, permanent));
    }
  };
}

/** Each call starts when the previous one has settled, in call order. `report` must never reject. */
function oneAtATime(report: ReportEpoch): ReportEpoch {
  let chain = Promise.resolve();
  return (epoch, metrics) => {
    chain = chain.then(() => report(epoch, metrics));
    return chain;
  };
}

/** A report that fails (a rung decision the database could not take) aborts the trial instead of rejecting. */
function neverRejects(report: ReportEpoch, controller: AbortController): ReportEpoch {
  return (epoch, metrics) =>
    report(epoch, metrics).catch((err: unknown) => {
      controller.abort(new EpochNotStored(`epoch ${epoch}: ${lastLine(err)}`, false));
    });
}
