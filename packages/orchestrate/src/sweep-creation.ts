/**
 * A new sweep in both stores, whole or not at all: its rows in PostgreSQL and every trial's job in Redis. Redis is
 * checked before anything is written; when enqueueing fails after the sweep was written, the sweep is deleted again
 * (should that delete fail too, the sweep stays, active and queued, and reconcile enqueues it later).
 */
import { randomBytes } from 'node:crypto';
import { canonicalJson, DomainError, newSweepId, startOrder, type SweepPlan } from '@sweeps/core';
import { createSweep, deleteSweep, getSweep, type KeyQuotas } from '@sweeps/db';
import { enqueueCommitted } from './committed-trials.ts';
import { withDeadline } from './deadline.ts';
import type { Stores } from './stores.ts';

export interface NewSweep {
  plan: SweepPlan;
  /** The same key (of the same API key) gives the same sweep; a different body under it is refused. */
  idempotencyKey?: string;
  /** The API key creating the sweep. */
  keyId?: string;
  /** That key's quotas; none for admin keys. */
  quotas?: KeyQuotas;
}

/**
 * Creates the sweep and enqueues its trials in the strategy's start order. Throws IDEMPOTENCY_CONFLICT when the
 * idempotency key was used with another body, UNAVAILABLE when Redis did not answer or take the trials.
 */
export async function createSweepWithJobs(
  stores: Stores,
  s: NewSweep,
): Promise<{ sweepId: string; created: boolean }> {
  await withDeadline('Redis', stores.redis.ping());
  const result = await createSweep(
    stores.db,
    newSweepId(randomBytes(8).toString('hex')),
    s.plan,
    s.idempotencyKey,
    s.keyId,
    s.quotas,
  );
  if (!result.created) {
    const existing = await getSweep(stores.db, result.sweepId);
    if (canonicalJson(existing.spec) !== canonicalJson(s.plan.spec)) {
      throw new DomainError(
        'IDEMPOTENCY_CONFLICT',
        `Idempotency-Key "${s.idempotencyKey}" was already used for sweep ${result.sweepId} with a different body.`,
      );
    }
  }
  const jobs = startOrder(
    s.plan.spec.strategy,
    result.trialIds.map((trialId) => ({ trialId, sweepId: result.sweepId })),
  );
  if (!(await enqueueCommitted(stores.queue, jobs))) {
    const removed = result.created
      ? await deleteSweep(stores.db, result.sweepId).catch(() => false)
      : false;
    throw new DomainError(
      'UNAVAILABLE',
      removed
        ? 'Redis did not take the trials in time; the sweep was not created. Retry later.'
        : `Redis did not take the trials in time; sweep ${result.sweepId} is stored and its trials will be enqueued when Redis answers.`,
    );
  }
  return { sweepId: result.sweepId, created: result.created };
}
