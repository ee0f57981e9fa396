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
