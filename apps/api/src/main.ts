/** `npm run api`: the REST API, plus the reconcile loop that keeps Redis in line with PostgreSQL. */
import { createDb } from '@sweeps/db';
import { startReconcileLoop } from '@sweeps/orchestrate';
import { createRedis, createTrialQueue, queueNames } from '@sweeps/queue';
import { buildApp } from './app.ts';
import { bodyThreadsOf } from './services/body-threads.ts';
import { type ApiEnv, readApiEnv } from './env.ts';

let env: ApiEnv;
try {
  env = readApiEnv();
} catch (err) {
  console.error(`Invalid API settings: ${(err as Error).message}`);
  process.exit(2);
}
const db = createDb(env.DATABASE_URL, 20);
const redis = createRedis(env.REDIS_URL, { failFast: true }); // request paths must not wait for Redis
const names = queueNames(env.SWEEPS_QUEUE_PREFIX);
const queue = createTrialQueue(names, redis);
const deps = {
  db,
  redis,
  queue,
  names,
  maxTrials: env.SWEEPS_MAX_TRIALS,
  maxEpochsPerTrial: env.SWEEPS_MAX_EPOCHS_PER_TRIAL,
  quotas: {
    sweeps: env.SWEEPS_QUOTA_SWEEPS_PER_KEY,
    queuedTrials: env.SWEEPS_QUOTA_QUEUED_TRIALS_PER_KEY,
  },
  workerLostMs: env.SWEEPS_WORKER_LOST_MS,
  readIntervalMs: env.SWEEPS_READ_INTERVAL_MS,
};
const app = await buildApp(deps, {
  logLevel: env.LOG_LEVEL,
  rateLimitPerMin: env.SWEEPS_RATE_LIMIT_PER_MIN,
  authFailuresPerMin: env.SWEEPS_AUTH_FAILURES_PER_MIN,
  trustProxy: env.SWEEPS_TRUST_PROXY,
  sseRecheckMs: env.SWEEPS_SSE_RECHECK_MS,
  databaseUrl: env.DATABASE_URL,
  sessionSecret: env.SWEEPS_SESSION_SECRET,
  sessionTtlSeconds: env.SWEEPS_SESSION_TTL_S,
  sseHeartbeatMs: env.SWEEPS_SSE_HEARTBEAT_MS,
  dashboardDir: env.SWEEPS_DASHBOARD_DIR,
  parserCheckTimeoutMs: env.SWEEPS_PARSER_CHECK_TIMEOUT_MS,
  parserCheckThreads: env.SWEEPS_PARSER_CHECK_THREADS,
});
bodyThreadsOf(deps).start(); // its modules load now, not at the first grid read
const stopReconcile = startReconcileLoop(
  db,
  queue,
  env.SWEEPS_RECONCILE_MS,
  env.SWEEPS_WORKER_LOST_MS,
  (err) => app.log.warn({ err }, 'reconcile failed; will try again'),
);

try {
  const address = await app.listen({ host: env.HOST, port: env.PORT });
  app.log.info(`sweeps API on ${address} (OpenAPI: ${address}/docs)`);
} catch (err) {
  console.error(`The API could not start: ${(err as Error).message}`);
  process.exit(1);
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, async () => {
    stopReconcile();
    await app.close();
    await queue.close();
    redis.disconnect();
    await db.$disconnect();
    process.exit(0);
  });
}
