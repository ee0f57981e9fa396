/**
 * Runs one trial for a job: claim it in PostgreSQL, run its trainer on a slot, store every epoch and the result.
 * The outcome is always recorded; BullMQ only learns whether to retry. Nothing a trial does (a bad epoch, a
 * database outage, a trainer that throws) escapes this function except as that trial's failure or retry; every
 * write names the claim's lease, so an attempt that was superseded writes nothing.
 */
import {
  type EpochMetrics,
  type FailureReason,
  OutputTail,
  PermanentTrialError,
  type TrainerResult,
  type TrialRun,
  type TrialUser,
  trialEpochs,
} from '@sweeps/core';
import {
  completeTrial,
  failTrial,
  type Db,
  retryOnConnectionLoss,
  type RungDecision,
  type TrialLease,
} from '@sweeps/db';
import {
  claimTrialJob,
  handBackTrialJob,
  rerunIfPromoted,
  routeTrialJobAway,
  type RungValue,
} from '@sweeps/orchestrate';
import {
  type Job,
  postponeJob,
  TrialJobSchema,
  UnrecoverableError,
  WaitingError,
} from '@sweeps/queue';
import {
  EpochNotStored,
  QueueLockLost,
  TrialCancelled,
  TrialSuperseded,
  TrialTimedOut,
  WorkerShuttingDown,
} from './abort-reasons.ts';
import { epochStore, trialEpochReports } from './epoch-reports.ts';
import { setLongTimeout } from './long-timer.ts';
import { type ReportEpoch, TrialPaused, TrialPruned } from './pruning.ts';
import { type SnapshotStore, TrialSnapshots } from './snapshots/trial-snapshots.ts';
import { findTrialDir, trialDirOf } from './trial-dir.ts';
import { leaseEnv, type SlotLeases, slotsWanted } from './slot-leases.ts';
import type { SweepFollowUps } from './sweep-follow-ups.ts';
import type { SlotDevice } from './slots.ts';
import type { TrainerRegistry } from './trainers/registry.ts';
import type { RouteDecision, TrialRouter } from './trial-routing.ts';

export interface TrialJobDeps {
  db: Db;
  workerId: string;
  dataDir: string;
  slots: SlotLeases;
  /** Ships a trial's output lines to the live log view (Redis), if set. */
  openTrialLog?: (trialId: string) => { push(line: string): void; close(): Promise<void> };
  trainers: TrainerRegistry;
  /** The environment every trial's process starts from (the worker policy's explicit environment). */
  baseEnv: Record<string, string>;
  /** The unprivileged user trial processes run as (a worker running as root); absent: the worker's own. */
  trialUser?: TrialUser;
  /** Makes a trial's directory writable by `trialUser` before its trainer runs (see trial-user.ts). */
  prepareTrialDir?: (dir: string) => Promise<void>;
  /** Running trials by id, so cancellations and shutdown can reach them. */
  running: Map<string, AbortController>;
  /**
   * Records a trial's value at an asha rung and returns the decision; the paused trials it promoted are enqueued
   * ahead of the queue (they resume from their snapshots). See `decideRung` in @sweeps/orchestrate.
   */
  decideRung: (rung: RungValue) => Promise<RungDecision | null>;
  log: (line: string) => void;
  /** Where a claim leaves what its sweep's trials' ends set off, for the follow-up after the job (daemon.ts). */
  followUps?: SweepFollowUps;
  /** The worker's epoch cap (SWEEPS_MAX_EPOCHS_PER_TRIAL): a later epoch fails its trial. Default 1,000. */
  maxEpochsPerTrial?: number;
  /**
   * The snapshot store (`SWEEPS_SNAPSHOT_STORE`), so a trial resumes on any host; absent: snapshots stay in the
   * data directory (shared between hosts, or a resume on another host starts from epoch 1).
   */
  snapshotStore?: SnapshotStore;
  /** Waits between the final snapshot upload's tries (tests); default trial-snapshots.ts's. */
  snapshotRetryMs?: readonly number[];
  /** Routing by capability (trial-routing.ts); absent: this worker runs every trial it takes. */
  routing?: Pick<TrialRouter, 'beforeClaim' | 'afterClaim'>;
}

/**
 * How the worker's processing of one BullMQ trial job ended (the daemon's return value; BullMQ only tells a return
 * from a throw): `skipped` when there was nothing to run or record (finished, cancelled, superseded), otherwise the
 * state this attempt left the trial in. A failure that should reach BullMQ (to retry or not) is thrown instead.
 */
export type TrialJobOutcome =
  | 'skipped'
  | 'succeeded'
  | 'failed'
  | 'cancelled'
  | 'pruned'
  | 'paused';

export async function processTrialJob(
  deps: TrialJobDeps,
  job: Job,
  token: string | undefined,
): Promise<TrialJobOutcome> {
  const parsed = TrialJobSchema.safeParse(job.data);
  if (!parsed.success)
    throw new UnrecoverableError(`malformed job ${job.id}: ${parsed.error.message}`);
  const { trialId, sweepId } = parsed.data;
  // a sweep this worker refuses and another live worker accepts: its job waits a moment, nothing claimed
  const away = await deps.routing?.beforeClaim(sweepId, trialId);
  if (away != null)
    return postponeJob(job, token, away, `trial ${trialId}: another worker accepts it`);
  // An unreachable PostgreSQL postpones the job by about a second (not a counted BullMQ attempt).
  const claim = await claimTrialJob(deps.db, job, token, trialId, deps.workerId);
  if (!claim) return 'skipped'; // finished, cancelled, or its sweep was cancelled
  if (claim.kind === 'exhausted') {
    deps.log(`trial ${trialId} failed: ${claim.error.split('\n')[0]}`);
    throw new UnrecoverableError(claim.error.split('\n')[0]);
  }
  const { lease, run } = claim;
  deps.followUps?.remember(run.sweepId, claim.followUps);
  const route: RouteDecision = (await deps.routing?.afterClaim(claim)) ?? { kind: 'run' };
  if (route.kind === 'away') {
    deps.log(`trial ${trialId} left to another worker (not an attempt): ${route.reason}`);
    return routeTrialJobAway(deps.db, lease, job, token, route.delayMs, route.reason);
  }
  const controller = new AbortController();
  let devices: SlotDevice[] = [];
  const live = deps.openTrialLog?.(trialId);
  deps.running.set(trialId, controller);
  const tail = new OutputTail();
  let snapshots: TrialSnapshots | undefined;
  /** A line of the worker's own on the trial's log (live view and output tail) and the worker's log. */
  const trialLine = (line: string) => {
    tail.push(line);
    live?.push(line);
    deps.log(`trial ${trialId}: ${line}`);
  };
  // The last epoch the trainer reported (stored unless the store aborted the trial): a trainer paused at a rung may
  // have finished all its epochs before it stopped, and then the trial is done.
  let lastEpoch: { epoch: number; metrics: EpochMetrics } | undefined;
  const timeoutS = Number(run.trainer.timeout_s ?? 0);
  const clearTimer =
    timeoutS > 0
      ? setLongTimeout(() => controller.abort(new TrialTimedOut(timeoutS)), timeoutS * 1000)
      : undefined;
  try {
    if (route.kind === 'invalid') throw new PermanentTrialError(route.message, 'invalid');
    const { trainer, descriptor } = await deps.trainers.get(run.trainer.kind);
    devices = await deps.slots.take(slotsWanted(run.trainer), controller.signal);
    snapshots = deps.snapshotStore
      ? new TrialSnapshots(deps.snapshotStore, {
          trialId,
          workerId: deps.workerId,
          trialDir: trialDirOf(deps.dataDir, trialId),
          run,
          trainer,
          log: trialLine,
          ...(deps.trialUser ? { owner: deps.trialUser } : {}),
          ...(deps.snapshotRetryMs ? { retryMs: deps.snapshotRetryMs } : {}),
        })
      : undefined;
    if (claim.resume) await snapshots?.restore();
    const { dir, latest } = await findTrialDir(deps.dataDir, trialId, claim.resume, trainer, run);
    await deps.prepareTrialDir?.(dir);
    deps.log(
      `trial ${trialId} (${run.checkpoint.name} ${run.optimizer} ${JSON.stringify(run.params)} seed ${run.seed}) on slot ${devices.map((d) => d.slot).join(',')}, attempt ${claim.attempts}`,
    );
    const reportEpoch = trialEpochReports(
      claim.plan,
      { trialId, workerId: deps.workerId },
      controller,
      lastEpochKept(epochStore(deps, lease, controller, latest !== undefined), (e) => {
        lastEpoch = e;
        // only an epoch that was stored (not one reported after the trial was stopped) may label a snapshot
        if (!controller.signal.aborted || controller.signal.reason instanceof TrialPaused)
          snapshots?.afterEpoch(e.epoch);
      }),
      { pause: descriptor.resumes?.(run.trainer) ?? false, decide: deps.decideRung },
    );
    const result = await trainer.run(run, {
      reportEpoch,
      trialDir: dir,
      ...(latest ? { resumeFrom: latest } : {}),
      signal: controller.signal,
      // The attempt's number and lease (unique to this execution) let a trainer key what it writes per attempt.
      env: {
        ...deps.baseEnv,
        ...leaseEnv(devices),
        SWEEPS_ATTEMPT: String(claim.attempts),
        SWEEPS_LEASE: String(lease.lease),
      },
      log: (line) => {
        tail.push(line);
        live?.push(line);
      },
      ...(deps.trialUser ? { runAs: deps.trialUser } : {}),
    });
    // A trainer that ignores an abort (pruned while finishing, say) must not record over it: the abort decides.
    if (controller.signal.aborted) throw controller.signal.reason;
    return await finishedSnapshots(
      snapshots,
      recordSuccess(deps, lease, run.metricName, result, tail),
    );
  } catch (err) {
    // Paused at a rung, but its trainer finished every epoch before it stopped: that result stands.
    const finished = controller.signal.reason instanceof TrialPaused && finishedRun(run, lastEpoch);
    if (finished)
      return await finishedSnapshots(
        snapshots,
        recordSuccess(deps, lease, run.metricName, finished, tail),
      );
    // It may run again (paused, handed back, retried): its newest snapshot goes to the store first.
    if (!endsHere(controller.signal.reason)) await snapshots?.flush();
    return await finishedSnapshots(
      snapshots,
      recordFailure(deps, {
        lease,
        job,
        token,
        err,
        reason: controller.signal.reason,
        tail,
        lastAttempt: claim.attempts >= claim.maxAttempts,
      }),
    );
  } finally {
    clearTimer?.();
    deps.running.delete(trialId);
    deps.slots.give(devices);
    await live?.close();
  }
}

async function recordSuccess(
  deps: TrialJobDeps,
  lease: TrialLease,
  metricName: string,
  result: TrainerResult,
  tail: OutputTail,
): Promise<TrialJobOutcome> {
  const final = result.metrics[metricName];
  if (typeof final !== 'number' || !Number.isFinite(final)) {
    await write(deps, lease, () =>
      failTrial(deps.db, lease, {
        error: `diverged: the trainer finished with ${metricName} = ${final} (not a finite number)`,
        reason: 'diverged',
        outputTail: tail.text(),
        final: true,
      }),
    );
    return 'failed';
  }
  const metrics = Object.fromEntries(
    Object.entries(result.metrics).filter(([, v]) => Number.isFinite(v)),
  );
  const done = await write(deps, lease, () =>
    completeTrial(deps.db, lease, {
      finalMetric: final,
      metrics,
      ...(result.backend ? { backend: result.backend } : {}),
      ...(result.device ? { device: result.device } : {}),
    }),
  );
  if (!done) return 'skipped';
  deps.log(`trial ${lease.trialId} succeeded: ${metricName} = ${final}`);
  return 'succeeded';
}

/** A fenced write of the attempt's outcome; false (and a log line) when the lease was taken over meanwhile. */
async function write(deps: TrialJobDeps, lease: TrialLease, fn: () => Promise<boolean>) {
  const ok = await retryOnConnectionLoss(fn, { log: deps.log, what: `result of ${lease.trialId}` });
  if (!ok) deps.log(`trial ${lease.trialId}: ${new TrialSuperseded().message}`);
  return ok;
}

interface FailureInfo {
  lease: TrialLease;
  job: Job;
  token: string | undefined;
  err: unknown;
  reason: unknown;
  tail: OutputTail;
  lastAttempt: boolean;
}

async function recordFailure(deps: TrialJobDeps, f: FailureInfo): Promise<TrialJobOutcome> {
  const trialId = f.lease.trialId;
  if (f.reason instanceof WorkerShuttingDown || f.reason instanceof QueueLockLost) {
    await handBackTrialJob(deps.db, f.lease, f.job, f.token);
    deps.log(`trial ${trialId} handed back to the queue`);
    throw new WaitingError();
  }
  if (f.reason instanceof TrialPruned) {
    deps.log(`trial ${trialId} ${f.reason.message}`); // recorded with the decision: a success for the queue
    return 'pruned';
  }
  if (f.reason instanceof TrialPaused) {
    deps.log(`trial ${trialId} ${f.reason.message}`); // recorded with the decision; its job is done for now
    // promoted while pausing: its own job runs again now (DelayedError); otherwise a later promotion enqueues it
    await rerunIfPromoted(deps.db, trialId, f.job, f.token);
    return 'paused';
  }
  if (f.reason instanceof TrialCancelled) {
    deps.log(`trial ${trialId} cancelled`);
    return 'cancelled';
  }
  if (f.reason instanceof TrialSuperseded) {
    deps.log(`trial ${trialId}: ${f.reason.message}`);
    return 'skipped';
  }
  const known = f.reason instanceof TrialTimedOut || f.reason instanceof EpochNotStored;
  const message = known
    ? (f.reason as Error).message
    : ((f.err as Error)?.message ?? String(f.err));
  const permanent =
    f.err instanceof PermanentTrialError ||
    f.reason instanceof TrialTimedOut ||
    (f.reason instanceof EpochNotStored && f.reason.permanent) ||
    f.lastAttempt;
  const recorded = await write(deps, f.lease, () =>
    failTrial(deps.db, f.lease, {
      error: message,
      reason: failureReason(f.err, f.reason),
      outputTail: f.tail.text(),
      final: permanent,
    }),
  );
  if (!recorded) return 'skipped';
  deps.log(
    `trial ${trialId} ${permanent ? 'failed' : 'failed, will be retried'}: ${message.split('\n')[0]}`,
  );
  if (permanent) throw new UnrecoverableError(message.split('\n')[0]);
  throw f.err instanceof Error ? f.err : new Error(message);
}

/** Whether the attempt's end leaves nothing to resume (pruned, cancelled) or nothing of its own (superseded). */
function endsHere(reason: unknown): boolean {
  return (
    reason instanceof TrialPruned ||
    reason instanceof TrialCancelled ||
    reason instanceof TrialSuperseded
  );
}

/**
 * Removes a trial's snapshots from the store once it will never resume (succeeded, pruned, cancelled, failed for
 * good); a hand-back, a pause or a retry keeps them.
 */
async function finishedSnapshots(
  snapshots: TrialSnapshots | undefined,
  outcome: Promise<TrialJobOutcome>,
): Promise<TrialJobOutcome> {
  try {
    const o = await outcome;
    if (o === 'succeeded' || o === 'failed' || o === 'pruned' || o === 'cancelled')
      await snapshots?.remove();
    return o;
  } catch (err) {
    if (err instanceof UnrecoverableError) await snapshots?.remove();
    throw err;
  }
}

/** Passes each epoch to `store`, then tells `kept` about it. */
function lastEpochKept(
  store: ReportEpoch,
  kept: (e: { epoch: number; metrics: EpochMetrics }) => void,
): ReportEpoch {
  return async (epoch, metrics) => {
    await store(epoch, metrics);
    kept({ epoch, metrics });
  };
}

/** The result of a run whose last reported epoch is the trial's last (`fixed.epochs`) with a finite metric. */
function finishedRun(
  run: TrialRun,
  last: { epoch: number; metrics: EpochMetrics } | undefined,
): TrainerResult | null {
  const epochs = trialEpochs(run.fixed);
  if (!last || epochs === null || last.epoch < epochs) return null;
  return Number.isFinite(last.metrics[run.metricName]) ? { metrics: last.metrics } : null;
}

/** The one word stored with a failure: why the trial was stopped, else what the trainer said, else `failed`. */
function failureReason(err: unknown, reason: unknown): FailureReason {
  if (reason instanceof TrialTimedOut) return 'timeout';
  if (reason instanceof EpochNotStored) return reason.permanent ? 'invalid' : 'failed';
  if (err instanceof PermanentTrialError) return err.reason;
  return 'failed';
}
