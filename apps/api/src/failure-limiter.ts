/**
 * Failed authentications per client address, in one-minute windows. The key is always checked first: a valid key
 * is served whatever its address has failed before (behind a proxy every user may share one address). Only
 * failures count, and once an address has spent its budget its further failures are answered 429 with
 * Retry-After; its keys are then checked without a database lookup (see key-resolver.ts).
 */
import { DomainError } from '@sweeps/core';
import { Lru } from './key-resolver.ts';

/** Most client addresses whose failed authentications are counted at once. */
const FAILURE_TABLE_SIZE = 10_000;
const WINDOW_MS = 60_000;

export class FailureLimiter {
  private readonly table = new Lru<{ start: number; n: number }>(FAILURE_TABLE_SIZE);
  /** Lookups under way per address: they count against its budget, so concurrent guesses cannot outrun it. */
  private readonly inFlight = new Map<string, number>();
  constructor(private readonly perMinute: number) {}

  /** Failures of this address in its current window. */
  private spent(address: string, now = Date.now()): number {
    const e = this.table.get(address);
    return e && now - e.start < WINDOW_MS ? e.n : 0;
  }

  /** Seconds until this address's failures stop being refused, or 0 when under its budget. */
  blockedFor(address: string, now = Date.now()): number {
    if (this.spent(address, now) < this.perMinute) return 0;
    return Math.ceil((this.table.get(address)!.start + WINDOW_MS - now) / 1000);
  }

  fail(address: string, now = Date.now()): void {
    const e = this.table.get(address);
    if (!e || now - e.start >= WINDOW_MS) this.table.set(address, { start: now, n: 1 });
    else e.n++;
  }

  /**
   * Checks a key presented from `address` (a bearer key, a sign-in). `lookup(overBudget)` finds the key; it is
   * told whether the address is over its budget (its failures plus its lookups under way), so it can answer
   * without a database lookup. A valid key is
   * returned whatever the address did before; an unknown or revoked one is UNAUTHORIZED and counts as a failure,
   * or, once the address is over budget, RATE_LIMITED with Retry-After. `attempts` names them in the 429
   * message (`failed sign-ins`).
   */
  async admit<K>(
    address: string,
    reply: { header(name: string, value: string): unknown },
    attempts: string,
    lookup: (overBudget: boolean) => Promise<K | null>,
  ): Promise<K> {
    const pending = this.inFlight.get(address) ?? 0;
    const overBudget = this.spent(address) + pending >= this.perMinute;
    if (!overBudget) this.inFlight.set(address, pending + 1);
    let key: K | null;
    try {
      key = await lookup(overBudget);
    } finally {
      if (!overBudget) this.settle(address);
    }
    if (key) return key;
    const wait = this.blockedFor(address);
    if (wait > 0) {
      reply.header('retry-after', String(wait));
      throw new DomainError(
        'RATE_LIMITED',
        `Too many ${attempts} from this address; retry in ${wait} s. A valid key is still accepted.`,
      );
    }
    this.fail(address);
    throw new DomainError('UNAUTHORIZED', 'This API key is unknown or revoked.');
  }

  private settle(address: string): void {
    const n = (this.inFlight.get(address) ?? 1) - 1;
    if (n > 0) this.inFlight.set(address, n);
    else this.inFlight.delete(address);
  }
}
