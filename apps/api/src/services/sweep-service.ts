/** Sweep commands: preview, create, cancel, retry failed trials, extend. Routes call these and nothing else. */
import { DomainError, type SweepPlan, type SweepSpec } from '@sweeps/core';
import {
  DEFAULT_KEY_QUOTAS,
  getSweep,
  type KeyScope,
  mayControlSweep,
  type QuotaOwner,
} from '@sweeps/db';
import {
  cancelSweepWithJobs,
  createSweepWithJobs,
  deleteSweepWithJobs,
  extendSweepWithJobs,
  retryFailedWithJobs,
} from '@sweeps/orchestrate';
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
  const result = await createSweepWithJobs(deps, {
    plan,
    idempotencyKey,
    keyId: caller.id,
    quotas: quotaOf(deps, caller)?.quotas,
  });
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
  const { queued, running, paused, told } = await cancelSweepWithJobs(deps, sweepId);
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
  const { trialIds, enqueued } = await retryFailedWithJobs(deps, sweepId, quotaOf(deps, caller));
  readsOf(deps).invalidate(sweepId);
  // `requeued` is the old name of `retried`, kept for clients that read it
  return { id: sweepId, retried: trialIds.length, requeued: trialIds.length, enqueued };
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
  const { trialIds, enqueued } = await extendSweepWithJobs(
    deps,
    sweepId,
    plan,
    plan.spec.checkpoints.slice(sweep.checkpoints.length),
    sweep.checkpoints.length,
    quotaOf(deps, caller),
  );
  readsOf(deps).invalidate(sweepId);
  return {
    id: sweepId,
    addedTrials: trialIds.length,
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
  const { deleted, cancelled } = await deleteSweepWithJobs(deps, sweepId);
  readsOf(deps).invalidate(sweepId);
  if (!deleted) throw new DomainError('SWEEP_NOT_FOUND', `No sweep with id "${sweepId}".`);
  return { id: sweepId, deleted: true as const, stoppedRunning: cancelled.running.length };
}
