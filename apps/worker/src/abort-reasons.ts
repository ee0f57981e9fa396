/** Why a running trial was stopped: each reason ends the trial differently. */
export class TrialCancelled extends Error {
  constructor() {
    super('cancelled by the user');
    this.name = 'TrialCancelled';
  }
}
export class TrialTimedOut extends Error {
  constructor(seconds: number) {
    super(`timed out after ${seconds} s`);
    this.name = 'TrialTimedOut';
  }
}
export class WorkerShuttingDown extends Error {
  constructor() {
    super('the worker is shutting down; the trial goes back to the queue');
    this.name = 'WorkerShuttingDown';
  }
}
/** The attempt's lease was taken over (another claim, or the worker's restart): it must not write anything. */
export class TrialSuperseded extends Error {
  constructor() {
    super('this attempt was superseded (the trial was claimed again); stopped without writing');
    this.name = 'TrialSuperseded';
  }
}
/** An epoch could not be stored; `permanent` when the trainer broke a rule (it would repeat). */
export class EpochNotStored extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'EpochNotStored';
  }
}
/** The worker no longer holds (or cannot confirm) the trial's job lock: the trial goes back to the queue. */
export class QueueLockLost extends Error {
  constructor(why: string) {
    super(`stopped: ${why}; the trial goes back to the queue`);
    this.name = 'QueueLockLost';
  }
}
