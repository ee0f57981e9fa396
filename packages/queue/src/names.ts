/** Queue and channel names. A prefix keeps test runs (and several deployments on one Redis) apart. */
export interface QueueNames {
  /** BullMQ key prefix (default `sweeps`). */
  prefix: string;
  /** The trial queue. */
  trials: string;
  /** Pub/sub channel on which cancellations reach workers. */
  cancelChannel: string;
  /** Pub/sub channel on which the API asks live workers which of a sweep's files they can see. */
  pathProbeChannel: string;
}

export function queueNames(prefix = 'sweeps'): QueueNames {
  if (prefix.includes(':')) throw new Error(`queue prefix "${prefix}" must not contain ":"`);
  return {
    prefix,
    trials: 'trials',
    cancelChannel: `${prefix}-cancel`,
    pathProbeChannel: `${prefix}-path-probe`,
  };
}

/** Lock and stall settings shared by every worker of the queue (see environment.md: they must agree). */
export const LOCK_SETTINGS = {
  /** A worker that stops renewing its lock for this long loses the job. */
  lockDuration: 10_000,
  /** How often workers look for jobs whose lock expired. */
  stalledInterval: 5_000,
  /** Stalls before BullMQ gives up on a job; attempts are counted in PostgreSQL instead. */
  maxStalledCount: 1000,
} as const;
