/**
 * What the end of a trial sets off, per sweep (core's `trialFollowUpsOf`), as this worker's claims read it with the
 * sweep: fixed for a sweep's life, so the follow-up after each trial skips the steps its sweep cannot need without
 * reading the sweep again. Bounded: the sweeps seen last are kept; an unknown sweep gets the whole follow-up.
 */
import type { TrialFollowUps } from '@sweeps/core';

export class SweepFollowUps {
  private readonly bySweep = new Map<string, TrialFollowUps>();

  constructor(private readonly max = 1_000) {}

  remember(sweepId: string, followUps: TrialFollowUps): void {
    this.bySweep.delete(sweepId); // re-inserted last: the most recently seen sweeps are kept
    this.bySweep.set(sweepId, followUps);
    if (this.bySweep.size > this.max) this.bySweep.delete(this.bySweep.keys().next().value!);
  }

  /** The sweep and what its trial's end sets off, if a claim of this worker read it; else undefined. */
  of(sweepId: string | undefined): { sweepId: string; followUps: TrialFollowUps } | undefined {
    const followUps = sweepId === undefined ? undefined : this.bySweep.get(sweepId);
    return followUps && sweepId ? { sweepId, followUps } : undefined;
  }
}
