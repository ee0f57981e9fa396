/**
 * Runs one trial for a job: claim it in PostgreSQL, run its trainer on a slot, store every epoch and the result.
 * The outcome is always recorded; BullMQ only learns whether to retry.
 */
import { OutputTail, PermanentTrialError, type TrainerResult } from '@sweeps/core';
import {
  claimTrial,
  completeTrial,
  failTrial,
  handBackTrial,
  recordEpoch,
  type Db,
} from '@sweeps/db';
import {
  claimOrPostpone,
  TrialJobSchema,
  UnrecoverableError,
  WaitingError,
  type Job,
} from '@sweeps/queue';
import { TrialCancelled, TrialTimedOut, WorkerShuttingDown } from './abort-reasons.ts';
import { TrialPruned, withPruning } from './pruning.ts';
import { findSnapshotDir } from './snapshot-dir.ts';
import { leaseEnv, type SlotLeases, slotsWanted } from './slot-leases.ts';
import type { SlotDevice } from './slots.ts';
import type { TrainerRegistry } from './trainers/registry.ts';

export interface RunTrialDeps {
  db: Db;
  workerId: string;
  dataDir: string;
  slots: SlotLeases;
  /** Ships a trial's output lines to the live log view (Redis), if set. */
  openTrialLog?: (trialId: string) => { push(line: string): void; close(): Promise<void> };
  trainers: TrainerRegistry;
  /** Running trials by id, so cancellations and shutdown can reach them. */
  running: Map<string, AbortController>;
  log: (line: string) => void;
}

export type TrialOutcome = 'skipped' | 'succeeded' | 'failed' | 'cancelled' | 'pruned';

export async function runTrialJob(
  deps: RunTrialDeps,
  job: Job,
  token: string | undefined,
): Promise<TrialOutcome> {
  const parsed = TrialJobSchema.safeParse(job.data);
  if (!parsed.success)
    throw new UnrecoverableError(`malformed job ${job.id}: ${parsed.error.message}`);
  const { trialId } = parsed.data;
  const claim = await claimOrPostpone(job, token, () =>
    claimTrial(deps.db, trialId, deps.workerId),
  );
  if (!claim) return 'skipped'; // finished, cancelled, or its sweep was cancelled
  const controller = new AbortController();
  let lease: SlotDevice[] = [];
  const live = deps.openTrialLog?.(trialId);
  deps.running.set(trialId, controller);
  const tail = new OutputTail();
  const timeoutS = Number(claim.run.trainer.timeout_s ?? 0);
  const timer =
    timeoutS > 0
      ? setTimeout(() => controller.abort(new TrialTimedOut(timeoutS)), timeoutS * 1000)
      : undefined;
  try {
    const trainer = await deps.trainers.get(claim.run.trainer.kind);
    lease = await deps.slots.take(slotsWanted(claim.run.trainer), controller.signal);
    const { dir, latest } = await findSnapshotDir(deps.dataDir, trialId, claim.attempts <= 1);
    deps.log(
      `trial ${trialId} (${claim.run.checkpoint.name} ${claim.run.optimizer} ${JSON.stringify(claim.run.params)} seed ${claim.run.seed}) on slot ${lease.map((d) => d.slot).join(',')}, attempt ${claim.attempts}`,
    );
    const reportEpoch = await withPruning(
      deps.db,
      { trialId, workerId: deps.workerId },
      controller,
      (epoch, metrics) => recordEpoch(deps.db, trialId, epoch, metrics),
    );
    const result = await trainer.run(claim.run, {
      reportEpoch,
      snapshotDir: dir,
      ...(latest ? { resumeFrom: latest } : {}),
      signal: controller.signal,
      env: leaseEnv(lease),
      log: (line) => {
        tail.push(line);
        live?.push(line);
      },
    });
    if (controller.signal.aborted) throw controller.signal.reason; // e.g. pruned while finishing
    return await recordSuccess(deps, trialId, claim.run.metricName, result, tail);
  } catch (err) {
    return await recordFailure(deps, {
      trialId,
      job,
      token,
      err,
      reason: controller.signal.reason,
      tail,
      lastAttempt: claim.attempts >= claim.maxAttempts,
    });
  } finally {
    clearTimeout(timer);
    deps.running.delete(trialId);
    deps.slots.give(lease);
    await live?.close();
  }
}

async function recordSuccess(
  deps: RunTrialDeps,
  trialId: string,
  metricName: string,
  result: TrainerResult,
  tail: OutputTail,
): Promise<TrialOutcome> {
  const final = result.metrics[metricName];
  if (typeof final !== 'number' || !Number.isFinite(final)) {
    await failTrial(deps.db, trialId, deps.workerId, {
      error: `diverged: the trainer finished with ${metricName} = ${final} (not a finite number)`,
      outputTail: tail.text(),
      final: true,
    });
    return 'failed';
  }
  const metrics = Object.fromEntries(
    Object.entries(result.metrics).filter(([, v]) => Number.isFinite(v)),
  );
  await completeTrial(deps.db, trialId, deps.workerId, {
    finalMetric: final,
    metrics,
    ...(result.backend ? { backend: result.backend } : {}),
    ...(result.device ? { device: result.device } : {}),
  });
  deps.log(`trial ${trialId} succeeded: ${metricName} = ${final}`);
  return 'succeeded';
}

interface FailureInfo {
  trialId: string;
  job: Job;
  token: string | undefined;
  err: unknown;
  reason: unknown;
  tail: OutputTail;
  lastAttempt: boolean;
}

async function recordFailure(deps: RunTrialDeps, f: FailureInfo): Promise<TrialOutcome> {
  if (f.reason instanceof WorkerShuttingDown) {
    await handBackTrial(deps.db, f.trialId, deps.workerId);
    if (f.token) await f.job.moveToWait(f.token);
    deps.log(`trial ${f.trialId} handed back to the queue`);
    throw new WaitingError();
  }
  if (f.reason instanceof TrialPruned) {
    deps.log(`trial ${f.trialId} ${f.reason.message}`); // recorded with the decision: a success for the queue
    return 'pruned';
  }
  if (f.reason instanceof TrialCancelled) {
    deps.log(`trial ${f.trialId} cancelled`);
    return 'cancelled';
  }
  const message =
    f.reason instanceof TrialTimedOut
      ? f.reason.message
      : ((f.err as Error)?.message ?? String(f.err));
  const permanent =
    f.err instanceof PermanentTrialError || f.reason instanceof TrialTimedOut || f.lastAttempt;
  await failTrial(deps.db, f.trialId, deps.workerId, {
    error: message,
    outputTail: f.tail.text(),
    final: permanent,
  });
  deps.log(
    `trial ${f.trialId} ${permanent ? 'failed' : 'failed, will be retried'}: ${message.split('\n')[0]}`,
  );
  if (permanent) throw new UnrecoverableError(message.split('\n')[0]);
  throw f.err instanceof Error ? f.err : new Error(message);
}
