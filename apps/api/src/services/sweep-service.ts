/** Sweep commands: preview, create, cancel, retry failed trials, extend. Routes call these and nothing else. */
import { randomBytes } from 'node:crypto';
import {
  canonicalJson,
  DomainError,
  newSweepId,
  startOrder,
  type SweepPlan,
  type SweepSpec,
} from '@sweeps/core';
import {
  type CancelledTrials,
  cancelSweep,
  createSweep,
  DEFAULT_KEY_QUOTAS,
  deleteSweep,
  extendSweep,
  getSweep,
  type KeyScope,
  mayControlSweep,
  type QuotaOwner,
  retryFailedTrials,
} from '@sweeps/db';
import { enqueueTrials, publishCancel, removeTrialJobs, type TrialJob } from '@sweeps/queue';
import { withDeadline } from './deadline.ts';
import { readsOf } from './interval-reads.ts';
import type { ApiDeps } from './deps.ts';
import { planChecked } from './trainer-checks.ts';
import { mergeExtension } from './extend-spec.ts';
import { workerWarnings } from './worker-check.ts';
import { workerFileWarnings } from './worker-files.ts';

export async function previewSweep(deps: ApiDeps, input: unknown) {
  const plan = await planChecked(deps, input);
  return { ...describePlan(plan), warnings: await sweepWarnings(deps, plan.spec) };
}

/** What preview and submit warn about: workers that would refuse the trainer, or lack its files. */
async function sweepWarnings(deps: ApiDeps, spec: SweepSpec): Promise<string[]> {
  const [policy, files] = await Promise.all([
    workerWarnings(deps, spec),
    workerFileWarnings(deps, spec).catch(() => []), // Redis away: the worker checks when a trial starts
  ]);
  return [...policy, ...files];
}

export function describePlan(plan: SweepPlan) {
  return {
    name: plan.spec.name,
    trialsPerCheckpoint: plan.trialsPerCheckpoint,
    totalTrials: plan.totalTrials,
    checkpoints: plan.spec.checkpoints.map((c) => ({
      name: c.name,
      baseline: c.baseline,
      trials: plan.trialsPerCheckpoint,
    })),
    seeds: plan.spec.seeds,
    cells: plan.cells.map((c) => ({
      optimizer: c.optimizer,
      params: c.params,
      configHash: c.configHash,
    })),
    refused: plan.refused,
    strategy: plan.spec.strategy,
    epochs: plan.epochs,
    confirm: plan.spec.confirm ?? null,
  };
}

/** The API key making a request (see auth.ts). */
export interface Caller {
  id: string;
  scope: KeyScope;
}

/**
 * The quota a caller's writes count against: its own key's (it may only steer its own sweeps), none for an admin
 * key (operators are not limited).
 */
function quotaOf(deps: ApiDeps, caller: Caller): QuotaOwner | undefined {
  if (caller.scope === 'admin') return undefined;
  return { keyId: caller.id, quotas: deps.quotas ?? DEFAULT_KEY_QUOTAS };
}

/** Reads the sweep and checks that the caller may change it: its creator's key or an admin key. */
async function controlledSweep(deps: ApiDeps, sweepId: string, caller: Caller, verb: string) {
  const sweep = await getSweep(deps.db, sweepId);
  if (!mayControlSweep(sweep, caller))
    throw new DomainError(
      'FORBIDDEN',
      `Sweep "${sweepId}" was created by ${sweep.createdByKeyId ? 'another API key' : 'no recorded API key'}; only ${sweep.createdByKeyId ? 'that key or ' : ''}a key with scope "admin" may ${verb} it.`,
    );
  return sweep;
}

/** Bound on enqueueing one request's trials (10,000 trials take about 1 s on a healthy Redis). */
const ENQUEUE_DEADLINE_MS = 15_000;

/**
 * Enqueues trials whose rows are already committed. Returns false when Redis did not take them in time: they stay
 * queued in PostgreSQL and the reconcile loop (every SWEEPS_RECONCILE_MS) enqueues them once Redis answers.
 */
async function enqueueOrDefer(deps: ApiDeps, jobs: TrialJob[]): Promise<boolean> {
  if (!jobs.length) return true;
  try {
    await withDeadline('Redis', enqueueTrials(deps.queue, jobs), ENQUEUE_DEADLINE_MS);
    return true;
  } catch {
    return false;
  }
}

/**
 * Creates a sweep and enqueues every trial, whole or not at all: Redis is checked before anything is written, and
 * when enqueueing fails after the sweep was written the sweep is deleted again and the request answers 503
 * (should that delete fail too, the sweep stays, active and queued, and reconcile enqueues it later).
 * Same Idempotency-Key, same sweep (a different body is refused).
 */
export async function submitSweep(
  deps: ApiDeps,
  input: unknown,
  idempotencyKey: string | undefined,
  caller: Caller,
) {
  const plan = await planChecked(deps, input);
  await withDeadline('Redis', deps.redis.ping());
  const result = await createSweep(
    deps.db,
    newSweepId(randomBytes(8).toString('hex')),
    plan,
    idempotencyKey,
    caller.id,
    quotaOf(deps, caller)?.quotas,
  );
  if (!result.created) {
    const existing = await getSweep(deps.db, result.sweepId);
    if (canonicalJson(existing.spec) !== canonicalJson(plan.spec)) {
      throw new DomainError(
        'IDEMPOTENCY_CONFLICT',
        `Idempotency-Key "${idempotencyKey}" was already used for sweep ${result.sweepId} with a different body.`,
      );
    }
  }
  const jobs = startOrder(
    plan.spec.strategy,
    result.trialIds.map((trialId) => ({ trialId, sweepId: result.sweepId })),
  );
  if (!(await enqueueOrDefer(deps, jobs))) {
    const removed = result.created
      ? await deleteSweep(deps.db, result.sweepId).catch(() => false)
      : false;
    throw new DomainError(
      'UNAVAILABLE',
      removed
        ? 'Redis did not take the trials in time; the sweep was not created. Retry later.'
        : `Redis did not take the trials in time; sweep ${result.sweepId} is stored and its trials will be enqueued when Redis answers.`,
    );
  }
  return {
    id: result.sweepId,
    created: result.created,
    name: plan.spec.name,
    totalTrials: plan.totalTrials,
    warnings: await sweepWarnings(deps, plan.spec).catch(() => []),
  };
}

/** Cancels a sweep: queued trials leave the queue, running ones are stopped on their workers. */
export async function cancelSweepEverywhere(deps: ApiDeps, sweepId: string, caller: Caller) {
  await controlledSweep(deps, sweepId, caller, 'cancel');
  try {
    return await cancelControlledSweep(deps, sweepId);
  } finally {
    readsOf(deps).invalidate(sweepId); // the caller's next read sees its write (in this replica at once)
  }
}

/** {@link cancelSweepEverywhere} once the caller's control of the sweep has been checked. */
async function cancelControlledSweep(deps: ApiDeps, sweepId: string) {
  // PostgreSQL says cancelled batch by batch, and each batch's jobs leave Redis while the next batch is written: a
  // job left in Redis is skipped by its worker's claim anyway. A paused trial has no process; its job, should a
  // promotion have just enqueued one, is removed like a queued one's.
  const removals: Promise<void>[] = [];
  const removeJobsOf = (batch: CancelledTrials) =>
    removals.push(removeTrialJobs(deps.queue, [...batch.queued, ...batch.paused]).catch(() => {}));
  const { queued, running, paused } = await cancelSweep(deps.db, sweepId, {
    onBatch: removeJobsOf,
  });
  // Telling running trials to stop needs Redis; when it does not answer, say so (workers check their trial between
  // epochs). Removing jobs is waited for a bounded time; what is left is removed after the answer.
  const removal = withDeadline('Redis', Promise.all(removals)).catch(() => {});
  const told = running.length
    ? await withDeadline(
        'Redis',
        publishCancel(deps.redis, deps.names.cancelChannel, { sweepId, trialIds: running }),
      ).then(
        () => true,
        () => false,
      )
    : true;
  await removal;
  return {
    id: sweepId,
    cancelledQueued: queued.length,
    cancelledPaused: paused.length,
    stoppedRunning: running.length,
    ...(told ? {} : { note: 'Redis did not answer: running trials were not told to stop yet.' }),
  };
}

/** Retries the sweep's failed trials (its creator key or an admin key): stored as queued again, then enqueued. */
export async function retryFailedEverywhere(deps: ApiDeps, sweepId: string, caller: Caller) {
  await controlledSweep(deps, sweepId, caller, 'retry');
  const ids = await retryFailedTrials(deps.db, sweepId, quotaOf(deps, caller));
  readsOf(deps).invalidate(sweepId);
  const enqueued = await enqueueOrDefer(
    deps,
    ids.map((trialId) => ({ trialId, sweepId })),
  );
  // `requeued` is the old name of `retried`, kept for clients that read it
  return { id: sweepId, retried: ids.length, requeued: ids.length, enqueued };
}

/** Adds checkpoints, grid values or seeds; cells that already exist are not run again. */
export async function extendExistingSweep(
  deps: ApiDeps,
  sweepId: string,
  input: unknown,
  caller: Caller,
) {
  const sweep = await controlledSweep(deps, sweepId, caller, 'extend');
  if (sweep.status === 'cancelled')
    throw new DomainError(
      'SWEEP_CANCELLED',
      `Sweep "${sweepId}" was cancelled; it cannot be extended.`,
    );
  const { merged, newCheckpoints } = mergeExtension(sweep.spec, input);
  const plan = await planChecked(deps, merged);
  const added = await extendSweep(
    deps.db,
    sweepId,
    plan,
    plan.spec.checkpoints.slice(sweep.checkpoints.length),
    sweep.checkpoints.length,
    quotaOf(deps, caller),
  );
  readsOf(deps).invalidate(sweepId);
  const enqueued = await enqueueOrDefer(
    deps,
    startOrder(
      plan.spec.strategy,
      added.map((trialId) => ({ trialId, sweepId })),
    ),
  );
  return {
    id: sweepId,
    addedTrials: added.length,
    newCheckpoints,
    totalTrials: plan.totalTrials,
    enqueued,
  };
}

/**
 * Deletes a sweep with its trials, metrics and statistics. Unfinished trials are cancelled first and their workers
 * told to stop; PostgreSQL then forgets the sweep (a worker still finishing a trial finds nothing to write to).
 */
export async function deleteSweepEverywhere(deps: ApiDeps, sweepId: string, caller: Caller) {
  await controlledSweep(deps, sweepId, caller, 'delete');
  const cancelled = await cancelControlledSweep(deps, sweepId);
  const deleted = await deleteSweep(deps.db, sweepId);
  readsOf(deps).invalidate(sweepId);
  if (!deleted) throw new DomainError('SWEEP_NOT_FOUND', `No sweep with id "${sweepId}".`);
  return { id: sweepId, deleted: true as const, stoppedRunning: cancelled.stoppedRunning };
}
