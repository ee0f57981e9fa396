/**
 * Per-key quotas: how many sweeps one API key may keep, and how many trials of its sweeps may wait to run
 * (queued, or paused at an asha rung). Checked inside the transaction that adds sweeps or trials, under an advisory
 * lock per key, so two requests of one key at the same time cannot both slip under a limit. Admin keys are exempt
 * (the API passes no quota for them).
 */
import { DomainError, type TrialState } from '@sweeps/core';
import type { Prisma } from './generated/client.ts';

/** A server's per-key quotas (`SWEEPS_QUOTA_SWEEPS_PER_KEY`, `SWEEPS_QUOTA_QUEUED_TRIALS_PER_KEY`); 0: no limit. */
export interface KeyQuotas {
  /** Sweeps one key may have stored (deleting a sweep makes room). Default 1,000. */
  sweeps: number;
  /** Trials of one key's sweeps waiting to run: queued, or paused at a rung. Default 50,000. */
  queuedTrials: number;
}

export const DEFAULT_KEY_QUOTAS: KeyQuotas = { sweeps: 1_000, queuedTrials: 50_000 };

/** The trial states that count as waiting to run for {@link KeyQuotas.queuedTrials}. */
export const WAITING_STATES: readonly TrialState[] = ['queued', 'paused'];

/** Whose quota a write counts against, and the limits; absent: not limited (an admin key, or no key). */
export interface QuotaOwner {
  keyId: string;
  quotas: KeyQuotas;
}

type Tx = Pick<Prisma.TransactionClient, '$queryRaw' | '$executeRaw'>;

/** Serialises quota-counted writes of one key until the transaction ends; call first in the transaction. */
export async function lockKeyQuota(tx: Tx, owner: QuotaOwner | undefined): Promise<void> {
  if (!owner) return;
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`sweeps-quota:${owner.keyId}`}, 0))`;
}

/**
 * Throws QUOTA_EXCEEDED (nothing is written: the transaction rolls back) when the key's sweeps or waiting trials,
 * counted after this transaction's own writes (`added`), are over its quotas. The message names the quota, the
 * count before the request, what the request adds and the limit.
 */
export async function enforceKeyQuota(
  tx: Tx,
  owner: QuotaOwner | undefined,
  added: { sweeps: number; trials: number },
): Promise<void> {
  if (!owner) return;
  const { quotas, keyId } = owner;
  const [row] = await tx.$queryRaw<Array<{ sweeps: number; waiting: number }>>`
    SELECT (SELECT count(*) FROM sweeps WHERE created_by_key_id = ${keyId})::int AS sweeps,
      (SELECT count(*) FROM trials t JOIN sweeps s ON s.id = t.sweep_id
       WHERE s.created_by_key_id = ${keyId} AND t.state = ANY(${[...WAITING_STATES]}::"TrialState"[]))::int AS waiting`;
  const sweeps = row?.sweeps ?? 0;
  const waiting = row?.waiting ?? 0;
  if (quotas.sweeps > 0 && added.sweeps > 0 && sweeps > quotas.sweeps)
    throw overQuota(
      'sweeps per key',
      `This API key has ${sweeps - added.sweeps} sweeps; the limit is ${quotas.sweeps} (SWEEPS_QUOTA_SWEEPS_PER_KEY). Delete sweeps you no longer need, or ask an admin.`,
      sweeps - added.sweeps,
      quotas.sweeps,
    );
  if (quotas.queuedTrials > 0 && added.trials > 0 && waiting > quotas.queuedTrials)
    throw overQuota(
      'queued trials per key',
      `This API key's sweeps have ${waiting - added.trials} trials waiting to run and this request adds ${added.trials}; the limit is ${quotas.queuedTrials} (SWEEPS_QUOTA_QUEUED_TRIALS_PER_KEY). Wait for trials to run, cancel sweeps, or ask an admin.`,
      waiting - added.trials,
      quotas.queuedTrials,
    );
}

function overQuota(quota: string, message: string, current: number, limit: number) {
  return new DomainError('QUOTA_EXCEEDED', `Over the quota of ${quota}: ${message}`, [
    {
      path: 'quota',
      message: `${quota}: ${current} of ${limit}`,
      value: { quota, current, limit },
    },
  ]);
}
