/**
 * Routing by capability on the worker: before it spends anything on a trial, a worker asks whether its own policy
 * and slots accept it (core's `refuseOnWorker`, on the trial's section with its placeholders substituted). A trial
 * it refuses goes back to the queue for a short delay, its attempt not counted, when another live worker accepts
 * it (their published policies and slots, read at most once per `refreshMs`, only by a worker that refused
 * something); it fails as `invalid` only when no live worker accepts it.
 *
 * No query is added to a trial this worker accepts: the verdict is taken from the claim's own answer, and for a
 * sweep whose section names no trial placeholder (one verdict for all its trials) it is remembered, so the next
 * trials of a sweep this worker refuses are routed away before they are claimed (no statement at all).
 */
import {
  dependsOnTrial,
  type LiveWorker,
  leaveToSnapshotHolder,
  refuseOnWorker,
  routeAwayDelayMs,
  type SectionRefusal,
  sectionForTrial,
  someAccepts,
  type TrainerSection,
  type TrialRun,
  type WorkerCapability,
} from '@sweeps/core';

/** What the claim says of a resumed trial: where its newest snapshot is. */
export interface ClaimedTrial {
  run: TrialRun;
  resume: boolean;
  snapshotWorkerId: string | null;
}

/** What a worker does with a trial it claimed. */
export type RouteDecision =
  | { kind: 'run' }
  /** Another live worker accepts it: hand it back, its job delayed by `delayMs`. */
  | { kind: 'away'; delayMs: number; reason: string }
  /** No live worker accepts it: it fails as `invalid` with `message`. */
  | { kind: 'invalid'; message: string };

export interface TrialRouterOptions {
  ownId: string;
  own: WorkerCapability;
  /** The other live workers (this one left out). */
  readOthers: () => Promise<LiveWorker[]>;
  /**
   * Affinity: how long a resumed trial waits for the worker holding its newest snapshot, while that worker is live
   * with a free slot (SWEEPS_AFFINITY_WAIT_MS); 0: no waiting.
   */
  affinityWaitMs?: number;
  /** How long the others' capabilities are trusted (the heartbeat interval). */
  refreshMs: number;
  refusal: SectionRefusal;
  random?: () => number;
  now?: () => number;
}

/** A sweep's section whose verdict holds for all its trials, and this worker's verdict on it. */
interface SweepVerdict {
  section: TrainerSection;
  refusal: string | null;
  at: number;
}

/** Sweeps remembered at most (oldest forgotten first), and for how long: a sweep's trainer seldom changes. */
const SWEEPS_KEPT = 1_000;
const SWEEP_VERDICT_MS = 300_000;

export class TrialRouter {
  private others: { at: number; list: Promise<LiveWorker[]> } | undefined;
  private readonly sweeps = new Map<string, SweepVerdict>();
  private readonly refused = new Map<string, number>();
  /** When this worker first left a resumed trial to the worker holding its snapshot. */
  private readonly leftToHolder = new Map<string, number>();

  constructor(private readonly opts: TrialRouterOptions) {}

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  /** The other live workers, read at most once per `refreshMs`. */
  private async liveOthers(): Promise<LiveWorker[]> {
    const now = this.now();
    if (!this.others || now - this.others.at >= this.opts.refreshMs) {
      const list = this.opts.readOthers();
      this.others = { at: now, list };
      list.catch(() => {
        this.others = undefined;
      });
    }
    return this.others.list;
  }

  /** The delay a refused trial's job waits, growing with how often this worker refused it. */
  private delayFor(trialId: string): number {
    const times = (this.refused.get(trialId) ?? 0) + 1;
    this.refused.delete(trialId);
    this.refused.set(trialId, times);
    if (this.refused.size > SWEEPS_KEPT) this.refused.delete(this.refused.keys().next().value!);
    return routeAwayDelayMs(times, this.opts.random?.() ?? Math.random());
  }

  /**
   * Before the claim: the delay to route the job away for when this worker is known to refuse every trial of the
   * sweep and another live worker accepts them; null: claim it (the claim's answer decides).
   */
  async beforeClaim(sweepId: string, trialId: string): Promise<number | null> {
    const known = this.sweeps.get(sweepId);
    if (!known || known.refusal === null) return null;
    if (this.now() - known.at > SWEEP_VERDICT_MS) {
      this.sweeps.delete(sweepId);
      return null;
    }
    const others = await this.liveOthers();
    return someAccepts(others, known.section, this.opts.refusal) ? this.delayFor(trialId) : null;
  }

  /**
   * After the claim, with the trial as it runs: run it here, route it away (another worker accepts it, or holds its
   * snapshot and has a free slot), or fail it as `invalid`.
   */
  async afterClaim({ run, resume, snapshotWorkerId }: ClaimedTrial): Promise<RouteDecision> {
    const section = sectionForTrial(run);
    const refusal = refuseOnWorker(this.opts.own, section, this.opts.refusal);
    if (!dependsOnTrial(run.trainer)) this.remember(run.sweepId, section, refusal);
    if (refusal === null) return this.affinity(run, section, resume, snapshotWorkerId);
    const others = await this.liveOthers();
    if (someAccepts(others, section, this.opts.refusal))
      return { kind: 'away', delayMs: this.delayFor(run.trialId), reason: refusal };
    return {
      kind: 'invalid',
      message: `refused by this worker's policy: ${refusal} (and no other live worker accepts it)`,
    };
  }

  /** Runs a resumed trial here unless the worker holding its newest snapshot should have it (see core). */
  private async affinity(
    run: TrialRun,
    section: TrainerSection,
    resume: boolean,
    holderId: string | null,
  ): Promise<RouteDecision> {
    const waitMs = this.opts.affinityWaitMs ?? 0;
    if (!resume || holderId === null || holderId === this.opts.ownId || waitMs <= 0)
      return { kind: 'run' };
    const first = this.leftToHolder.get(run.trialId) ?? this.now();
    const holder = (await this.liveOthers()).find((w) => w.id === holderId);
    const leave = leaveToSnapshotHolder({
      holder,
      section,
      refusal: this.opts.refusal,
      waitedMs: this.now() - first,
      waitMs,
    });
    if (!leave) {
      this.leftToHolder.delete(run.trialId);
      return { kind: 'run' };
    }
    if (!this.leftToHolder.has(run.trialId)) {
      this.leftToHolder.set(run.trialId, first);
      if (this.leftToHolder.size > SWEEPS_KEPT)
        this.leftToHolder.delete(this.leftToHolder.keys().next().value!);
    }
    return {
      kind: 'away',
      delayMs: routeAwayDelayMs(1, this.opts.random?.() ?? Math.random()),
      reason: `worker ${holderId} holds its newest snapshot and has a free slot`,
    };
  }

  private remember(sweepId: string, section: TrainerSection, refusal: string | null): void {
    this.sweeps.delete(sweepId);
    this.sweeps.set(sweepId, { section, refusal, at: this.now() });
    if (this.sweeps.size > SWEEPS_KEPT) this.sweeps.delete(this.sweeps.keys().next().value!);
  }
}
