import type { Redis } from 'ioredis';
import type { Db, KeyQuotas } from '@sweeps/db';
import type { Queue, QueueNames, TrialJob } from '@sweeps/queue';

/** What every service function needs; built once in main.ts (or by a test). */
export interface ApiDeps {
  db: Db;
  redis: Redis;
  queue: Queue<TrialJob>;
  names: QueueNames;
  maxTrials: number;
  /** Most epochs per trial (SWEEPS_MAX_EPOCHS_PER_TRIAL); absent: core's DEFAULT_MAX_EPOCHS_PER_TRIAL. */
  maxEpochsPerTrial?: number;
  /** Sweeps and queued trials per API key (SWEEPS_QUOTA_*); absent: db's DEFAULT_KEY_QUOTAS. */
  quotas?: KeyQuotas;
  /** The lost limit (SWEEPS_WORKER_LOST_MS): a worker without a heartbeat for this long is lost. */
  workerLostMs: number;
  /**
   * How long a running sweep's aggregates (sweep, grid, best) are served from one computation
   * (SWEEPS_READ_INTERVAL_MS); absent: 250 ms.
   */
  readIntervalMs?: number;
}
