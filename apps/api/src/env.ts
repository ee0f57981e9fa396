/** The API server's settings; nothing else in the API reads process.env. */
import { z } from 'zod';
import { DEFAULT_MAX_TRIALS, MaxEpochsPerTrialSettingSchema } from '@sweeps/core';
import { DbEnvSchema, DEFAULT_KEY_QUOTAS, readSecretFiles } from '@sweeps/db';
import { QueueEnvSchema } from '@sweeps/queue';
import { TrustProxySchema } from './trust-proxy.ts';

export const ApiEnvSchema = z.object({
  ...DbEnvSchema.shape,
  ...QueueEnvSchema.shape,
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** Most trials one sweep may create (cells x checkpoints x seeds). */
  SWEEPS_MAX_TRIALS: z.coerce.number().int().positive().default(DEFAULT_MAX_TRIALS),
  /** Most epochs per trial a sweep may ask for (`fixed.epochs`, `fixed.max_epochs`); give workers the same. */
  SWEEPS_MAX_EPOCHS_PER_TRIAL: MaxEpochsPerTrialSettingSchema,
  /** Sweeps one non-admin API key may have stored; 0: no limit. */
  SWEEPS_QUOTA_SWEEPS_PER_KEY: z.coerce.number().int().min(0).default(DEFAULT_KEY_QUOTAS.sweeps),
  /** Trials of one non-admin key's sweeps waiting to run (queued or paused); 0: no limit. */
  SWEEPS_QUOTA_QUEUED_TRIALS_PER_KEY: z.coerce
    .number()
    .int()
    .min(0)
    .default(DEFAULT_KEY_QUOTAS.queuedTrials),
  /** Requests per minute per API key (or per address without a key). */
  SWEEPS_RATE_LIMIT_PER_MIN: z.coerce.number().int().positive().default(1200),
  /** Failed authentications per client address and minute; beyond it the address gets 429 without a lookup. */
  SWEEPS_AUTH_FAILURES_PER_MIN: z.coerce.number().int().positive().default(30),
  /** How often PostgreSQL's queued trials are checked against Redis. */
  SWEEPS_RECONCILE_MS: z.coerce.number().int().min(500).default(30_000),
  /**
   * The lost limit: a worker without a heartbeat for this long is lost, and its running trials are queued again.
   * Its first name SWEEPS_WORKER_STALE_MS is still read (deprecated) when this one is not set.
   */
  SWEEPS_WORKER_LOST_MS: z.coerce.number().int().min(1000).default(30_000),
  /** Signs the dashboard's session cookies (HMAC); give every replica behind one address the same (≥ 32 chars). */
  SWEEPS_SESSION_SECRET: z.string().min(32).optional(),
  /** How long a dashboard session cookie lasts. */
  SWEEPS_SESSION_TTL_S: z.coerce
    .number()
    .int()
    .min(60)
    .max(7 * 86400)
    .default(8 * 3600),
  /**
   * Proxies trusted to name the client (X-Forwarded-For): `false` (default), or the proxies' addresses/CIDR
   * ranges, comma-separated; `true` trusts any hop. See trust-proxy.ts and the README.
   */
  SWEEPS_TRUST_PROXY: TrustProxySchema,
  /** How often an open event stream re-checks its key or session (closing when revoked, signed out, expired). */
  SWEEPS_SSE_RECHECK_MS: z.coerce.number().int().min(100).max(60_000).default(2_000),
  /**
   * A running sweep's sweep view, grid and best table are computed at most once per this many ms per API replica
   * and shared by every reader; events to open pages are sent at most once per it. At most 1,000, so no reader
   * sees data more than a second old; 0 turns the sharing off.
   */
  SWEEPS_READ_INTERVAL_MS: z.coerce.number().int().min(0).max(1000).default(250),
  /** Heartbeat (a comment line) on open event streams. */
  SWEEPS_SSE_HEARTBEAT_MS: z.coerce.number().int().min(100).default(15_000),
  /** Time limit of one `POST /parsers/check` (it runs in a worker thread); past it the client gets 422. */
  SWEEPS_PARSER_CHECK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  /** Worker threads for parser checks (default: the cores less one, 1 to 4). */
  SWEEPS_PARSER_CHECK_THREADS: z.coerce.number().int().min(1).max(64).optional(),
  /** The built dashboard served at / (default: apps/dashboard/dist of this checkout). */
  SWEEPS_DASHBOARD_DIR: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});
export type ApiEnv = z.infer<typeof ApiEnvSchema>;

/** Settings renamed, old name -> new: the old name is still read (deprecated) when the new one is not set. */
const DEPRECATED_NAMES: Readonly<Record<string, keyof ApiEnv>> = {
  SWEEPS_WORKER_STALE_MS: 'SWEEPS_WORKER_LOST_MS',
};

/** The API's secrets, each of which may be given as `<NAME>_FILE` (a path) instead (a Kubernetes secret). */
export const API_SECRET_SETTINGS = ['DATABASE_URL', 'REDIS_URL', 'SWEEPS_SESSION_SECRET'] as const;

export function readApiEnv(source: NodeJS.ProcessEnv = process.env): ApiEnv {
  const named = { ...source, ...readSecretFiles(source, API_SECRET_SETTINGS) };
  for (const [old, now] of Object.entries(DEPRECATED_NAMES))
    if (named[now] === undefined && named[old] !== undefined) named[now] = named[old];
  return ApiEnvSchema.parse(named);
}
